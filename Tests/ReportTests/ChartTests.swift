import Foundation
import Report
import Testing

/// The (x, y) pairs of each `<polyline>` in an SVG, by its data-series name.
func polylines(in svg: String) -> [(name: String, declared: Int, points: Int)] {
    let pattern = #/<polyline[^>]*data-series="([^"]*)"[^>]*data-points="(\d+)"[^>]*points="([^"]*)"/#
    return svg.matches(of: pattern).map { match in
        (String(match.1), Int(match.2) ?? -1, match.3.split(separator: " ").filter { $0.contains(",") }.count)
    }
}

@Suite("Charts as SVG")
struct ChartTests {
    @Test("a line chart draws each series with as many points as it has, up to the limit")
    func pointCounts() {
        let chart = LineChart(
            title: "loss", xRange: 0...10_000,
            series: [
                .init(name: "loss", style: "raw", points: noisyLoss(steps: 10_000)),
                .init(name: "eval loss", style: "eval", points: noisyLoss(steps: 20), dots: true),
            ], maxPoints: 400)
        let lines = polylines(in: chart.svg())
        #expect(lines.count == 2)
        #expect(lines[0].name == "loss" && lines[0].points == lines[0].declared && lines[0].points <= 400)
        #expect(lines[1].name == "eval loss" && lines[1].points == 20 && lines[1].declared == 20)
        #expect(chart.svg().components(separatedBy: "<circle").count - 1 == 20)
    }

    @Test("a 10,000-step chart is as light as a 400-step one")
    func boundedSize() {
        func size(_ steps: Int) -> Int {
            LineChart(
                title: "loss", xRange: 0...Double(steps),
                series: [.init(name: "loss", style: "raw", points: noisyLoss(steps: steps))]
            ).svg().utf8.count
        }
        #expect(size(10_000) < 12_000)
        #expect(Double(size(10_000)) <= Double(size(400)) * 1.1)
    }

    @Test("values that are not finite are left out, and a flat series still draws")
    func oddValues() {
        let points = [Point(1, 2), Point(2, .nan), Point(3, .infinity), Point(4, 2), Point(5, 1e308), Point(6, -1e308)]
        let lines = polylines(
            in: LineChart(title: "t", xRange: 0...6, series: [.init(name: "s", style: "raw", points: points)]).svg())
        #expect(lines.first?.points == 4)
        let flat = LineChart(
            title: "t", xRange: 0...2, series: [.init(name: "s", style: "raw", points: [Point(1, 3), Point(2, 3)])])
        #expect(polylines(in: flat.svg()).first?.points == 2)
        let numbers = flat.svg().matches(of: #/points="([^"]*)"/#).flatMap {
            $0.1.split(whereSeparator: { $0 == " " || $0 == "," })
        }
        #expect(!numbers.isEmpty && numbers.allSatisfy { Double($0)?.isFinite == true })
    }

    @Test("the token histogram counts every example once and marks max_length")
    func histogram() {
        let lengths = [3, 10, 50, 127, 128, 128, 128, 64, 0]
        let histogram = Histogram(title: "lengths", values: lengths, limit: 128, bins: 16)
        #expect(histogram.counts.counts.reduce(0, +) == lengths.count)
        let svg = histogram.svg()
        let bars = svg.matches(of: #/data-count="(\d+)"/#).map { Int($0.1) ?? 0 }
        #expect(bars.reduce(0, +) == lengths.count)
        #expect(svg.contains("class=\"limit\"") && svg.contains("max_length 128"))
    }

    @Test("stages sit one column right of their deepest input")
    func dagColumns() {
        //  a ──> b ──> d
        //  c ─────────^   (d reads b and c; c has no inputs)
        func stage(_ id: String, _ inputs: [String]) -> StageSummary {
            StageSummary(
                id: id, kind: "k", outputType: "t", status: .cached,
                inputs: inputs.map { StageSummary.Input(port: $0, source: $0) })
        }
        let drawing = DagDrawing(stages: [stage("a", []), stage("b", ["a"]), stage("c", []), stage("d", ["b", "c"])])
        #expect(drawing.columns == ["a": 0, "b": 1, "c": 0, "d": 2])
        let svg = drawing.svg()
        #expect(svg.components(separatedBy: "class=\"wire\"").count - 1 == 3)
        #expect(svg.components(separatedBy: "<g class=\"stage").count - 1 == 4)
    }
}
