import Foundation

/// A small SVG line chart of training loss per step, with eval losses as dots.
enum LossChart {
    static func svg(train: [(step: Int, loss: Double)], eval: [(step: Int, loss: Double)], title: String) -> String {
        let width = 640.0, height = 360.0, left = 56.0, right = 16.0, top = 32.0, bottom = 40.0
        let all = train + eval
        guard let maxStep = all.map(\.step).max(), let lo = all.map(\.loss).min(), let hi = all.map(\.loss).max() else {
            return
                ##"<svg xmlns="http://www.w3.org/2000/svg" width="640" "##
                    + ##"height="80"><text x="16" y="40">no training log</text></svg>"##
        }
        let minStep = all.map(\.step).min() ?? 0
        let span = max(1.0, Double(maxStep - minStep))
        let floor = lo - (hi - lo) * 0.05, ceiling = hi + (hi - lo) * 0.05 + 1e-9
        func x(_ step: Int) -> Double { left + (Double(step - minStep) / span) * (width - left - right) }
        func y(_ loss: Double) -> Double { top + (1 - (loss - floor) / (ceiling - floor)) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out =
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" "##
                + ##"height="\##(Int(height))" font-family="sans-serif" font-size="12">"##
        out += ##"<rect width="100%" height="100%" fill="white"/>"##
        out += ##"<text x="\##(f(left))" y="20" font-size="14">\##(escape(title))</text>"##
        // Axes with five ticks each.
        out +=
            ##"<line x1="\##(f(left))" y1="\##(f(height - bottom))" "##
                + ##"x2="\##(f(width - right))" y2="\##(f(height - bottom))" stroke="black"/>"##
        out +=
            ##"<line x1="\##(f(left))" y1="\##(f(top))" x2="\##(f(left))" "##
                + ##"y2="\##(f(height - bottom))" stroke="black"/>"##
        for i in 0...4 {
            let loss = floor + (ceiling - floor) * Double(i) / 4
            out +=
                ##"<text x="\##(f(left - 6))" y="\##(f(y(loss) + 4))" "##
                    + ##"text-anchor="end">\##(String(format: "%.2f", loss))</text>"##
            let step = minStep + Int((span * Double(i) / 4).rounded())
            out +=
                ##"<text x="\##(f(x(step)))" y="\##(f(height - bottom + 16))" text-anchor="middle">\##(step)</text>"##
        }
        out +=
            ##"<text x="\##(f((left + width - right) / 2))" y="\##(f(height - 6))" text-anchor="middle">step</text>"##
        if !train.isEmpty {
            let points = train.map { "\(f(x($0.step))),\(f(y($0.loss)))" }.joined(separator: " ")
            out += ##"<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\##(points)"/>"##
        }
        for point in eval {
            out += ##"<circle cx="\##(f(x(point.step)))" cy="\##(f(y(point.loss)))" r="3.5" fill="#d62728"/>"##
        }
        out += ##"<text x="\##(f(width - right - 150))" y="\##(f(top + 4))" fill="#1f77b4">— train loss</text>"##
        if !eval.isEmpty {
            out += ##"<text x="\##(f(width - right - 150))" y="\##(f(top + 20))" fill="#d62728">● eval loss</text>"##
        }
        return out + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
