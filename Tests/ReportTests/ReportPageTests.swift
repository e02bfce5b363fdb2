import Foundation
import Report
import Testing

let hostile = "<script>alert('x')</script>&\"quoted\""

func hostileModel() -> ReportModel {
    ReportModel(
        title: hostile, description: hostile, manifestText: "{\"stages\": {\"\(hostile)\": {}}}", generated: "now",
        stages: [
            StageSummary(id: hostile, kind: "load", outputType: "dataset", status: .failed(hostile)),
            StageSummary(
                id: "train</svg><script>", kind: "train", outputType: "adapter", status: .stale([hostile]),
                inputs: [.init(port: hostile, source: hostile)]),
        ],
        datasets: [
            DatasetSection(
                stage: hostile, kind: "tokenize", format: "tokens", splits: [.init(name: hostile, count: 1)],
                lengths: [1, 2], maxLength: 4,
                examples: [
                    .init(
                        split: hostile,
                        pieces: [.init(role: .prompt, text: hostile), .init(role: .trained, text: hostile)])
                ],
                notes: [hostile])
        ],
        trainings: [
            TrainingSection(
                stage: hostile, method: hostile, targets: [hostile], totalSteps: 2,
                steps: [.init(step: 1, loss: 2, lr: 0.1, gradNorm: 1), .init(step: 2, loss: 1, lr: 0.1, gradNorm: 1)])
        ],
        evaluations: [
            EvaluationSection(
                stage: hostile, split: hostile, examples: 1, variants: [hostile, "tuned"],
                metrics: [.init(name: hostile, values: [1, nil])],
                answers: [
                    .init(prompt: hostile, reference: hostile, answers: [hostile, "<img src=x onerror=alert(1)>"])
                ])
        ],
        exports: [
            ExportSection(
                stage: hostile, format: "gguf", path: hostile, files: [.init(name: hostile, bytes: 1)], usage: hostile)
        ])
}

@Suite("The report page")
struct ReportPageTests {
    @Test("stage ids, prompts, answers and the manifest are shown as text, never as markup")
    func escapesUserText() {
        let page = ReportPage.render(hostileModel())
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("<img"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;quoted&quot;"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("train&lt;/svg&gt;&lt;script&gt;"))
    }

    @Test("the page loads nothing: no script, no external URL, and a policy that forbids requests")
    func selfContained() {
        let page = ReportPage.render(hostileModel())
        #expect(page.contains("content=\"default-src 'none'"))
        #expect(!page.contains("http://") && !page.contains("https://"))
        #expect(!page.contains("<link") && !page.contains("@import") && !page.contains("url("))
    }

    @Test("escaping covers the five HTML specials and leaves other text alone")
    func escaping() {
        #expect(HTML.escape("a<b>c&d\"e'f") == "a&lt;b&gt;c&amp;d&quot;e&#39;f")
        #expect(HTML.escape("急性心梗 ⟦x⟧") == "急性心梗 ⟦x⟧")
    }

    @Test("numbers, sizes and durations read as people write them")
    func formatting() {
        #expect(
            HTML.number(15) == "15" && HTML.number(8.8537) == "8.85" && HTML.number(0.00003) == "3e-05"
                && HTML.number(0.00025) == "0.00025")
        #expect(HTML.number(1e300) == "1e+300" && HTML.number(.nan) == "NaN")
        #expect(HTML.bytes(12_888_507) == "12.3 MB" && HTML.bytes(900) == "900 B")
        #expect(HTML.duration(27.47) == "27.5 s" && HTML.duration(192) == "3 min 12 s")
        #expect(HTML.duration(.infinity).hasSuffix(" s"))
    }

    @Test("a 10,000-step training draws every line with at most 400 points, and the page stays small")
    func longTrainingStaysLight() {
        let steps = noisyLoss(steps: 10_000).map {
            TrainingSection.Step(step: Int($0.x), loss: $0.y, lr: 1e-4, gradNorm: $0.y / 3,
                                 evalLoss: Int($0.x) % 100 == 0 ? $0.y : nil)
        }
        let training = TrainingSection(
            stage: "adapter", method: "lora", totalSteps: 10_000, steps: steps,
            tokensPerSecond: steps.map { Point(Double($0.step), 250 + $0.loss) })
        let page = ReportPage.render(
            ReportModel(title: "long", manifestText: "{}", generated: "now", stages: [], trainings: [training]))
        let lines = polylines(in: page)
        #expect(lines.count == 6)  // loss, smoothed, eval loss, learning rate, grad norm, tokens/s
        #expect(lines.allSatisfy { $0.points <= 400 && $0.points == $0.declared }, "\(lines)")
        #expect(page.utf8.count < 80_000, "\(page.utf8.count) bytes")
    }

    @Test("a train stage gets loss, learning rate, gradient norm and tokens/s charts on one step range")
    func trainingCharts() {
        var training = TrainingSection(
            stage: "adapter", method: "lora", totalSteps: 200,
            steps: (1...120).map {
                .init(step: $0, loss: 3 - Double($0) / 100, lr: 1e-4, gradNorm: 1, evalLoss: $0 % 50 == 0 ? 2 : nil)
            },
            tokensPerSecond: (1...120).map { Point(Double($0), 250) }, partial: true)
        training.comparison = .init(
            label: "full", steps: (1...200).map { .init(step: $0, loss: 2, lr: 1e-4, gradNorm: 1) })
        let charts = ReportPage.charts(training)
        #expect(
            charts.map(\.title) == [
                "adapter: loss", "adapter: learning rate", "adapter: gradient norm", "adapter: tokens/s",
            ])
        #expect(charts.allSatisfy { $0.xRange == 0...200 })
        #expect(
            charts[0].series.map(\.name)
                == ["loss", "smoothed", "eval loss", "full", "full eval"].filter { $0 != "full eval" })
        #expect(charts[0].series[2].points.count == 2)
        let page = ReportPage.render(
            ReportModel(
                title: "t", manifestText: "{}", generated: "now",
                stages: [
                    StageSummary(id: "adapter", kind: "train", outputType: "adapter", status: .running)
                ], trainings: [training]))
        #expect(page.contains("In progress: 120 of 200 steps"))
        #expect(page.contains("A run is in progress"))
    }
}
