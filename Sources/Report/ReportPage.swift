/// The report as one self-contained HTML page: inline CSS and SVG, no script, and a
/// Content-Security-Policy that forbids every request, so it opens the same offline.
public enum ReportPage {
    public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

    public static func render(_ model: ReportModel) -> String {
        var body = header(model)
        body += pipelineSection(model)
        if !model.datasets.isEmpty { body += dataSection(model.datasets) }
        if !model.trainings.isEmpty { body += trainingSection(model.trainings) }
        if !model.evaluations.isEmpty { body += evaluationSection(model.evaluations) }
        if !model.exports.isEmpty { body += exportSection(model.exports) }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(model.title)) · pipe report</title>
            <style>\(PageStyle.css)</style></head>
            <body><main>
            \(body)
            </main></body></html>

            """
    }

    static func header(_ model: ReportModel) -> String {
        var out = "<header><h1>\(HTML.escape(model.title))</h1>"
        if !model.description.isEmpty { out += "<p class=\"lead\">\(HTML.escape(model.description))</p>" }
        out += "<p class=\"meta\">pipe report · \(HTML.escape(model.generated))</p>"
        if model.inProgress {
            out += "<p class=\"banner\">A run is in progress: this page shows what is finished so far "
            out += "(training up to its last checkpoint). Run <code>pipe report</code> again to refresh it.</p>"
        }
        out += "<nav><a href=\"#pipeline\">Pipeline</a>"
        if !model.datasets.isEmpty { out += "<a href=\"#data\">Data</a>" }
        if !model.trainings.isEmpty { out += "<a href=\"#training\">Training</a>" }
        if !model.evaluations.isEmpty { out += "<a href=\"#evaluation\">Evaluation</a>" }
        if !model.exports.isEmpty { out += "<a href=\"#exports\">Exports</a>" }
        return out + "</nav></header>"
    }

    static func pipelineSection(_ model: ReportModel) -> String {
        var out = "<section id=\"pipeline\"><h2>Pipeline</h2>"
        out += "<div class=\"scroll\">\(DagDrawing(stages: model.stages).svg())</div>"
        out += "<div class=\"scroll\"><table class=\"stages\"><thead><tr><th>stage</th><th>kind</th>"
        out += "<th class=\"inputs\">inputs</th><th>status</th><th class=\"num\">time</th>"
        out += "<th class=\"num\">size</th></tr></thead><tbody>"
        for stage in model.stages {
            let status = stage.status.label.replacingOccurrences(of: " ", with: "-")
            let inputs = stage.inputs.map { "\($0.port) ← \($0.source)" }.joined(separator: ", ")
            out += "<tr data-stage=\"\(HTML.escape(stage.id))\"><td><b>\(HTML.escape(stage.id))</b></td>"
            out += "<td>\(HTML.escape(stage.kind)) → \(HTML.escape(stage.outputType))</td>"
            out += "<td class=\"inputs\">\(HTML.escape(inputs))</td>"
            out += "<td><span class=\"badge \(status)\">\(HTML.escape(stage.status.label))</span>"
            if let detail = stage.status.detail { out += " <span class=\"why\">\(HTML.escape(detail))</span>" }
            out += "</td><td class=\"num\">\(stage.seconds.map(HTML.duration) ?? "")</td>"
            out += "<td class=\"num\">\(stage.bytes.map(HTML.bytes) ?? "")</td></tr>"
        }
        out += "</tbody></table></div>"
        out += "<details><summary>Manifest</summary><pre class=\"manifest\">\(HTML.escape(model.manifestText))</pre>"
        return out + "</details></section>"
    }

    static func exportSection(_ exports: [ExportSection]) -> String {
        var out = "<section id=\"exports\"><h2>Exports</h2>"
        for export in exports {
            out += "<article class=\"export\" data-stage=\"\(HTML.escape(export.stage))\">"
            out += "<h3>\(HTML.escape(export.stage)) <span class=\"sub\">\(HTML.escape(export.format)) → "
            out += "<code>\(HTML.escape(export.path))</code></span></h3><ul class=\"files\">"
            for file in export.files {
                out += "<li><code>\(HTML.escape(file.name))</code> "
                out += "<span class=\"num\">\(HTML.bytes(file.bytes))</span></li>"
            }
            out += "</ul><pre class=\"usage\">\(HTML.escape(export.usage))</pre></article>"
        }
        return out + "</section>"
    }

    /// A definition list of facts, leaving out the missing ones.
    static func facts(_ pairs: [(String, String?)]) -> String {
        let shown = pairs.compactMap { pair in pair.1.map { (pair.0, $0) } }
        guard !shown.isEmpty else { return "" }
        return "<dl class=\"facts\">"
            + shown.map { "<div><dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd></div>" }.joined()
            + "</dl>"
    }
}
