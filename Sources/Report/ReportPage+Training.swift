extension ReportPage {
    /// How much of the raw loss the smoothed line keeps per step (TensorBoard's default look).
    static let smoothing = 0.8

    static func trainingSection(_ trainings: [TrainingSection]) -> String {
        var out = "<section id=\"training\"><h2>Training</h2>"
        for training in trainings {
            out += "<article class=\"training\" data-stage=\"\(HTML.escape(training.stage))\">"
            out += "<h3>\(HTML.escape(training.stage)) <span class=\"sub\">\(HTML.escape(training.method))</span></h3>"
            if training.partial {
                let last = training.steps.last?.step ?? 0
                out += "<p class=\"banner\">In progress: \(last) of \(training.totalSteps) steps, "
                out += "as of the last checkpoint.</p>"
            }
            out += facts([
                ("method", training.method),
                ("rank", training.rank.map(String.init)),
                ("alpha", training.alpha.map(HTML.number)),
                ("targets", training.targets.isEmpty ? nil : training.targets.joined(separator: ", ")),
                ("trainable parameters", training.trainableParameters.map(groupedDigits)),
                ("steps", "\(training.steps.last?.step ?? 0) / \(training.totalSteps)"),
                ("last loss", training.steps.last.map { HTML.number($0.loss) }),
                ("last eval loss", training.steps.last { $0.evalLoss != nil }?.evalLoss.map(HTML.number)),
                ("peak memory", training.peakMemoryBytes.map(HTML.bytes)),
                ("wall time", training.seconds.map(HTML.duration)),
                ("tokens/s", meanRate(training.tokensPerSecond).map { HTML.number($0) }),
            ])
            out += "<div class=\"charts\">"
            for chart in charts(training) { out += "<figure>\(chart.svg())</figure>" }
            out += "</div></article>"
        }
        return out + "</section>"
    }

    /// Loss (raw, smoothed, eval, and the compared run's), learning rate, gradient norm and
    /// tokens/s, all over the same step range.
    public static func charts(_ training: TrainingSection) -> [LineChart] {
        let steps = training.steps
        let lastStep = max(
            training.totalSteps, steps.last?.step ?? 0, training.comparison?.steps.last?.step ?? 0, 1)
        let range = 0...Double(lastStep)
        func series(_ pick: (TrainingSection.Step) -> Double?, of steps: [TrainingSection.Step]) -> [Point] {
            steps.compactMap { step in pick(step).map { Point(Double(step.step), $0) } }
        }
        let raw = series({ $0.loss }, of: steps)
        var loss: [LineChart.Series] = [
            .init(name: "loss", style: "raw", points: raw),
            .init(name: "smoothed", style: "smooth", points: Downsample.smoothed(raw, weight: smoothing)),
        ]
        let eval = series({ $0.evalLoss }, of: steps)
        if !eval.isEmpty { loss.append(.init(name: "eval loss", style: "eval", points: eval, dots: true)) }
        if let other = training.comparison {
            let otherRaw = series({ $0.loss }, of: other.steps)
            loss.append(
                .init(name: other.label, style: "compare", points: Downsample.smoothed(otherRaw, weight: smoothing)))
            let otherEval = series({ $0.evalLoss }, of: other.steps)
            if !otherEval.isEmpty {
                loss.append(.init(name: "\(other.label) eval", style: "compare-eval", points: otherEval, dots: true))
            }
        }
        var charts = [LineChart(title: "\(training.stage): loss", xRange: range, series: loss)]
        var lr = [LineChart.Series(name: "learning rate", style: "lr", points: series({ $0.lr }, of: steps))]
        var norm = [LineChart.Series(name: "grad norm", style: "norm", points: series({ $0.gradNorm }, of: steps))]
        if let other = training.comparison {
            lr.append(.init(name: other.label, style: "compare", points: series({ $0.lr }, of: other.steps)))
            norm.append(.init(name: other.label, style: "compare", points: series({ $0.gradNorm }, of: other.steps)))
        }
        charts.append(LineChart(title: "\(training.stage): learning rate", xRange: range, series: lr))
        charts.append(LineChart(title: "\(training.stage): gradient norm", xRange: range, series: norm))
        if !training.tokensPerSecond.isEmpty {
            charts.append(
                LineChart(
                    title: "\(training.stage): tokens/s", xRange: range,
                    series: [.init(name: "tokens/s", style: "rate", points: training.tokensPerSecond)]))
        }
        return charts
    }

    static func meanRate(_ rates: [Point]) -> Double? {
        rates.isEmpty ? nil : rates.map(\.y).reduce(0, +) / Double(rates.count)
    }

    static func groupedDigits(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
