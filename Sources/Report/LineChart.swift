/// A line chart as inline SVG: one or more series over a shared x range, each downsampled to a
/// bounded number of points so a 10,000-step log draws as small as a 100-step one.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// The CSS class that colors it (`raw`, `smooth`, `eval`, `compare`, ...).
        public var style: String
        public var points: [Point]
        /// Marks every point with a dot (for sparse series such as eval loss).
        public var dots: Bool

        public init(name: String, style: String, points: [Point], dots: Bool = false) {
            self.name = name
            self.style = style
            self.points = points
            self.dots = dots
        }
    }

    public var title: String
    public var xLabel: String
    public var xRange: ClosedRange<Double>
    public var series: [Series]
    /// The most points any series draws.
    public var maxPoints: Int
    public var width = 480.0
    public var height = 220.0

    public init(
        title: String, xLabel: String = "step", xRange: ClosedRange<Double>, series: [Series],
        maxPoints: Int = 400
    ) {
        self.title = title
        self.xLabel = xLabel
        self.xRange = xRange
        self.series = series
        self.maxPoints = maxPoints
    }

    /// The series as drawn: downsampled, non-finite values left out.
    public var drawnSeries: [Series] {
        series.map { s in
            var drawn = s
            drawn.points = Downsample.minMax(s.points.filter { $0.x.isFinite && $0.y.isFinite }, limit: maxPoints)
            return drawn
        }
    }

    public func svg() -> String {
        let left = 56.0
        let right = 18.0
        let top = 26.0
        let bottom = 34.0
        let drawn = drawnSeries
        let x = Axis(low: xRange.lowerBound, high: xRange.upperBound, pixels: (left, width - right))
        let y = Axis(covering: drawn.flatMap { $0.points.map(\.y) }, pixels: (height - bottom, top))
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" role=\"img\" "
        out += "aria-label=\"\(HTML.escape(title))\" data-chart=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<g class=\"grid\">"
        for tick in y.ticks() {
            let py = svgNumber(y.pixel(tick))
            out += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(width - right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
            out += "<text class=\"tick\" x=\"\(svgNumber(left - 4))\" y=\"\(py)\" text-anchor=\"end\" "
            out += "dominant-baseline=\"middle\">\(HTML.number(tick))</text>"
        }
        for tick in x.ticks() {
            let px = svgNumber(x.pixel(tick))
            out += "<text class=\"tick\" x=\"\(px)\" y=\"\(svgNumber(height - bottom + 14))\" "
            out += "text-anchor=\"middle\">\(HTML.number(tick))</text>"
        }
        out += "</g>"
        out += "<rect class=\"frame\" x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" "
        out += "width=\"\(svgNumber(width - left - right))\" height=\"\(svgNumber(height - top - bottom))\"/>"
        out += "<text class=\"axis-label\" x=\"\(svgNumber(width - right))\" y=\"\(svgNumber(height - 4))\" "
        out += "text-anchor=\"end\">\(HTML.escape(xLabel))</text>"
        var legendX = left
        for s in drawn {
            out += "<text class=\"legend \(s.style)\" x=\"\(svgNumber(legendX))\" y=\"16\">"
            out += "■ \(HTML.escape(s.name))</text>"
            legendX += Double(s.name.count) * 7.5 + 28
        }
        for s in drawn where !s.points.isEmpty {
            let coordinates = s.points.map { "\(svgNumber(x.pixel($0.x))),\(svgNumber(y.pixel($0.y)))" }
            out += "<polyline class=\"series \(s.style)\" data-series=\"\(HTML.escape(s.name))\" "
            out += "data-points=\"\(s.points.count)\" points=\"\(coordinates.joined(separator: " "))\"/>"
            if s.dots {
                for point in s.points {
                    out += "<circle class=\"dot \(s.style)\" cx=\"\(svgNumber(x.pixel(point.x)))\" "
                    out += "cy=\"\(svgNumber(y.pixel(point.y)))\" r=\"3\"/>"
                }
            }
        }
        return out + "</svg>"
    }
}
