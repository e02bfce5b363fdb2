/// Token lengths as an SVG bar chart, with the `max_length` cut-off marked.
public struct Histogram: Sendable {
    public var title: String
    public var values: [Int]
    public var limit: Int?
    public var bins: Int
    public var width = 480.0
    public var height = 200.0

    public init(title: String, values: [Int], limit: Int?, bins: Int = 24) {
        self.title = title
        self.values = values
        self.limit = limit
        self.bins = max(1, bins)
    }

    /// The bin width and each bin's count, bins covering 0 through the cut-off (or the longest value).
    public var counts: (width: Int, counts: [Int]) {
        let top = max(limit ?? 0, values.max() ?? 0, 1)
        let binWidth = max(1, top / bins + (top % bins == 0 ? 0 : 1))
        var counts = [Int](repeating: 0, count: top / binWidth + 1)
        for value in values where value >= 0 {
            counts[min(value / binWidth, counts.count - 1)] += 1
        }
        return (binWidth, counts)
    }

    public func svg() -> String {
        let left = 44.0
        let right = 18.0
        let top = 22.0
        let bottom = 34.0
        let (binWidth, counts) = self.counts
        let span = Double(counts.count) * Double(binWidth)
        let x = Axis(low: 0, high: span, pixels: (left, width - right))
        let y = Axis(covering: counts.map(Double.init), pixels: (height - bottom, top), includeZero: true)
        var out = "<svg class=\"chart histogram\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" "
        out += "role=\"img\" aria-label=\"\(HTML.escape(title))\" data-chart=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title><g class=\"grid\">"
        for tick in y.ticks(count: 4) where tick == tick.rounded() {
            let py = svgNumber(y.pixel(tick))
            out += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(width - right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
            out += "<text class=\"tick\" x=\"\(svgNumber(left - 4))\" y=\"\(py)\" text-anchor=\"end\" "
            out += "dominant-baseline=\"middle\">\(Int(tick))</text>"
        }
        for tick in x.ticks() {
            out += "<text class=\"tick\" x=\"\(svgNumber(x.pixel(tick)))\" y=\"\(svgNumber(height - bottom + 14))\" "
            out += "text-anchor=\"middle\">\(Int(tick))</text>"
        }
        out += "</g>"
        for (index, count) in counts.enumerated() where count > 0 {
            let x0 = x.pixel(Double(index * binWidth))
            let x1 = x.pixel(Double((index + 1) * binWidth))
            let y0 = y.pixel(Double(count))
            out += "<rect class=\"bar\" data-count=\"\(count)\" x=\"\(svgNumber(x0 + 0.5))\" y=\"\(svgNumber(y0))\" "
            out += "width=\"\(svgNumber(max(1, x1 - x0 - 1)))\" height=\"\(svgNumber(height - bottom - y0))\">"
            out += "<title>\(index * binWidth)–\((index + 1) * binWidth - 1) tokens: \(count)</title></rect>"
        }
        if let limit {
            let px = svgNumber(x.pixel(Double(limit)))
            out += "<line class=\"limit\" x1=\"\(px)\" x2=\"\(px)\" y1=\"\(svgNumber(top - 6))\" "
            out += "y2=\"\(svgNumber(height - bottom))\"/>"
            out += "<text class=\"limit-label\" x=\"\(px)\" y=\"\(svgNumber(top - 9))\" text-anchor=\"end\">"
            out += "max_length \(limit)</text>"
        }
        out += "<text class=\"axis-label\" x=\"\(svgNumber(width - right))\" y=\"\(svgNumber(height - 4))\" "
        out += "text-anchor=\"end\">tokens per example</text>"
        return out + "</svg>"
    }
}
