/// The pipeline as an SVG drawing: stages as boxes in columns by depth (a stage sits one column
/// right of its deepest input), wires from each input to the stage that reads it.
public struct DagDrawing: Sendable {
    public var stages: [StageSummary]
    let boxWidth = 158.0, boxHeight = 78.0, gapX = 34.0, gapY = 16.0, margin = 8.0

    public init(stages: [StageSummary]) {
        self.stages = stages
    }

    /// Each stage's column: 0 for stages without inputs, else one more than its deepest input.
    /// `stages` must be in dependency order (inputs first), as a pipeline's order is.
    public var columns: [String: Int] {
        var column: [String: Int] = [:]
        for stage in stages {
            column[stage.id] = (stage.inputs.compactMap { column[$0.source] }.max()).map { $0 + 1 } ?? 0
        }
        return column
    }

    public func svg() -> String {
        let column = columns
        var rows: [Int: Int] = [:]
        var origin: [String: (x: Double, y: Double)] = [:]
        for stage in stages {
            let c = column[stage.id] ?? 0
            let r = rows[c, default: 0]
            rows[c] = r + 1
            origin[stage.id] = (margin + Double(c) * (boxWidth + gapX), margin + Double(r) * (boxHeight + gapY))
        }
        let width = margin * 2 + Double((column.values.max() ?? 0) + 1) * (boxWidth + gapX) - gapX
        let height = margin * 2 + Double(rows.values.max() ?? 1) * (boxHeight + gapY) - gapY
        var out = "<svg class=\"dag\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" "
        out += "width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" role=\"img\" "
        out += "aria-label=\"pipeline graph\"><title>pipeline graph</title>"
        for stage in stages {
            guard let to = origin[stage.id] else { continue }
            for input in stage.inputs {
                guard let from = origin[input.source] else { continue }
                let x0 = from.x + boxWidth
                let y0 = from.y + boxHeight / 2
                let x1 = to.x
                let y1 = to.y + boxHeight / 2
                let mid = (x0 + x1) / 2
                out += "<path class=\"wire\" d=\"M\(svgNumber(x0)) \(svgNumber(y0)) C\(svgNumber(mid)) "
                out += "\(svgNumber(y0)) \(svgNumber(mid)) \(svgNumber(y1)) \(svgNumber(x1)) \(svgNumber(y1))\">"
                out += "<title>\(HTML.escape(input.source)) → \(HTML.escape(stage.id)).\(HTML.escape(input.port))"
                out += "</title></path>"
            }
        }
        for stage in stages {
            guard let at = origin[stage.id] else { continue }
            out += box(stage, x: at.x, y: at.y)
        }
        return out + "</svg>"
    }

    private func box(_ stage: StageSummary, x: Double, y: Double) -> String {
        let status = stage.status.label.replacingOccurrences(of: " ", with: "-")
        var out = "<g class=\"stage \(status)\" data-stage=\"\(HTML.escape(stage.id))\">"
        var tooltip = "\(stage.id) [\(stage.kind) → \(stage.outputType)]: \(stage.status.label)"
        if let detail = stage.status.detail { tooltip += " (\(detail))" }
        out += "<title>\(HTML.escape(tooltip))</title>"
        out += "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(boxWidth))\" "
        out += "height=\"\(svgNumber(boxHeight))\" rx=\"6\"/>"
        let textX = svgNumber(x + 8)
        out += "<text class=\"id\" x=\"\(textX)\" y=\"\(svgNumber(y + 19))\">\(HTML.escape(clip(stage.id, 18)))</text>"
        out += "<text class=\"kind\" x=\"\(textX)\" y=\"\(svgNumber(y + 37))\">"
        out += "\(HTML.escape(clip("\(stage.kind) → \(stage.outputType)", 23)))</text>"
        var state = stage.status.label
        if let detail = stage.status.detail, case .stale = stage.status { state += ": \(detail)" }
        out += "<text class=\"state\" x=\"\(textX)\" y=\"\(svgNumber(y + 55))\">\(HTML.escape(clip(state, 23)))</text>"
        let facts = [stage.seconds.map(HTML.duration), stage.bytes.map(HTML.bytes)].compactMap { $0 }
        out += "<text class=\"facts\" x=\"\(textX)\" y=\"\(svgNumber(y + 71))\">"
        out += "\(HTML.escape(facts.joined(separator: " · ")))</text>"
        return out + "</g>"
    }

    private func clip(_ text: String, _ length: Int) -> String {
        text.count > length ? String(text.prefix(length - 1)) + "…" : text
    }
}
