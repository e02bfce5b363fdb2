import Foundation

extension ReportPage {
    static func evaluationSection(_ evaluations: [EvaluationSection]) -> String {
        var out = "<section id=\"evaluation\"><h2>Evaluation</h2>"
        for evaluation in evaluations {
            out += "<article class=\"evaluation\" data-stage=\"\(HTML.escape(evaluation.stage))\">"
            out += "<h3>\(HTML.escape(evaluation.stage)) <span class=\"sub\">\(HTML.escape(evaluation.split)) split, "
            out += "\(evaluation.examples) examples</span></h3>"
            if !evaluation.metrics.isEmpty {
                out += "<div class=\"scroll\"><table class=\"metrics\"><thead><tr><th></th>"
                for variant in evaluation.variants { out += "<th class=\"num\">\(HTML.escape(variant))</th>" }
                out += "</tr></thead><tbody>"
                for metric in evaluation.metrics {
                    out += "<tr data-metric=\"\(HTML.escape(metric.name))\"><td>\(HTML.escape(metric.name))</td>"
                    for (variant, value) in zip(evaluation.variants, metric.values) {
                        let shown = value.map { String(format: metric.format, $0) } ?? ""
                        let exact = value.map { "\($0)" } ?? ""
                        out += "<td class=\"num\" data-variant=\"\(HTML.escape(variant))\" "
                        out += "data-value=\"\(exact)\">\(shown)</td>"
                    }
                    out += "</tr>"
                }
                out += "</tbody></table></div>"
            }
            if !evaluation.answers.isEmpty {
                out += "<h4>Answers</h4><div class=\"scroll\"><table class=\"answers\"><thead><tr><th>prompt</th>"
                let hasReference = evaluation.answers.contains { $0.reference != nil }
                if hasReference { out += "<th>reference</th>" }
                for variant in evaluation.variants { out += "<th>\(HTML.escape(variant))</th>" }
                out += "</tr></thead><tbody>"
                for row in evaluation.answers {
                    out += "<tr><td class=\"text\">\(HTML.escape(row.prompt))</td>"
                    if hasReference { out += "<td class=\"text\">\(HTML.escape(row.reference ?? ""))</td>" }
                    for (variant, answer) in zip(evaluation.variants, row.answers) {
                        out += "<td class=\"text answer\" data-variant=\"\(HTML.escape(variant))\">"
                        out += "\(HTML.escape(answer ?? ""))</td>"
                    }
                    out += "</tr>"
                }
                out += "</tbody></table></div>"
                if evaluation.moreReferences > 0 {
                    out += "<p class=\"note\">\(evaluation.moreReferences) more scored answers: "
                    out += "<code>pipe show MANIFEST \(HTML.escape(evaluation.stage))</code>.</p>"
                }
            }
            out += "</article>"
        }
        return out + "</section>"
    }
}
