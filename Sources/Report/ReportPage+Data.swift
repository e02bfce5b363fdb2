extension ReportPage {
    static func dataSection(_ datasets: [DatasetSection]) -> String {
        var out = "<section id=\"data\"><h2>Data</h2>"
        for data in datasets {
            out += "<article class=\"dataset\" data-stage=\"\(HTML.escape(data.stage))\">"
            out += "<h3>\(HTML.escape(data.stage)) <span class=\"sub\">\(HTML.escape(data.kind)) · "
            out += "\(HTML.escape(data.format))</span></h3>"
            out += splitTable(data)
            if !data.lengths.isEmpty {
                let title = "\(data.stage): tokens per example"
                out += "<figure>\(Histogram(title: title, values: data.lengths, limit: data.maxLength).svg())"
                var caption = "\(data.lengths.count) examples"
                if let longest = data.lengths.max() { caption += ", longest \(longest) tokens" }
                let cut = data.splits.compactMap(\.cut).reduce(0, +)
                let dropped = data.splits.compactMap(\.dropped).reduce(0, +)
                if let limit = data.maxLength {
                    caption += "; max_length \(limit): \(cut) cut, \(dropped) dropped"
                }
                out += "<figcaption>\(HTML.escape(caption))</figcaption></figure>"
            }
            for note in data.notes { out += "<p class=\"note\">\(HTML.escape(note))</p>" }
            if !data.examples.isEmpty {
                out += "<div class=\"examples\">"
                for (index, example) in data.examples.enumerated() {
                    out += "<div class=\"example\"><div class=\"example-title\">\(HTML.escape(example.split))"
                    out += "[\(index)]</div>\(pieces(example.pieces))</div>"
                }
                out += "</div><p class=\"legend-text\"><span class=\"prompt\">prompt (not trained)</span> "
                out += "<span class=\"trained\">trained</span></p>"
            }
            out += "</article>"
        }
        return out + "</section>"
    }

    static func splitTable(_ data: DatasetSection) -> String {
        let tokenized = data.splits.contains { $0.tokens != nil }
        var out = "<div class=\"scroll\"><table class=\"splits\"><thead><tr><th>split</th><th class=\"num\">"
        out += tokenized ? "examples" : "records"
        out += "</th>"
        if tokenized {
            out += "<th class=\"num\">tokens</th><th class=\"num\">trained</th><th class=\"num\">cut</th>"
            out += "<th class=\"num\">dropped</th>"
        }
        out += "</tr></thead><tbody>"
        for split in data.splits {
            out += "<tr data-split=\"\(HTML.escape(split.name))\"><td>\(HTML.escape(split.name))</td>"
            out += "<td class=\"num\" data-field=\"count\">\(split.count)</td>"
            if tokenized {
                for (field, value) in [
                    ("tokens", split.tokens), ("trained_tokens", split.trainedTokens), ("truncated", split.cut),
                    ("dropped", split.dropped),
                ] {
                    out += "<td class=\"num\" data-field=\"\(field)\">\(value.map(String.init) ?? "")</td>"
                }
            }
            out += "</tr>"
        }
        return out + "</tbody></table></div>"
    }

    static func pieces(_ pieces: [DatasetSection.Piece]) -> String {
        var out = "<pre class=\"tokens\">"
        for piece in pieces {
            let text = "<span class=\"\(piece.role.rawValue)\">\(HTML.escape(piece.text))</span>"
            // Record fields go one per line under their name; token pieces run together.
            out += piece.label.isEmpty ? text : "<span class=\"field\">\(HTML.escape(piece.label)):</span> \(text)\n"
        }
        return out + "</pre>"
    }
}
