import Foundation
import Llama
import JSON

/// What `evaluate` found, per model variant (model, or base and tuned).
struct EvaluationReport {
    struct Generation {
        let variant: String
        let prompt: String
        let result: GenerationResult
    }

    struct Scored {
        let variant: String
        let prompt: String
        let reference: String
        let answer: String
        var exactMatch: Double { TextMetrics.exactMatch(answer, reference) }
        var rougeL: Double { TextMetrics.rougeL(answer, reference) }
        var bleu4: Double { TextMetrics.bleu4(answer, reference) }
    }

    /// How often a variant's answers named the class of their reference, for one class (or all).
    struct ClassScore {
        let name: String
        let count: Int
        let correct: Int
        var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
    }

    let split: String
    let examples: Int
    /// Class names to score answers by (`classes`); empty: no class scores.
    var classes: [String] = []
    var losses: [(String, Double)] = []
    var generations: [Generation] = []
    var scored: [Scored] = []

    init(split: String, examples: Int) {
        self.split = split
        self.examples = examples
    }

    var variants: [String] {
        var names: [String] = []
        for name in losses.map(\.0) + generations.map(\.variant) + scored.map(\.variant) where !names.contains(name) {
            names.append(name)
        }
        return names
    }

    func metrics(_ variant: String) -> (exactMatch: Double, rougeL: Double, bleu4: Double)? {
        let mine = scored.filter { $0.variant == variant }
        guard !mine.isEmpty else { return nil }
        let n = Double(mine.count)
        return (
            mine.map(\.exactMatch).reduce(0, +) / n, mine.map(\.rougeL).reduce(0, +) / n,
            mine.map(\.bleu4).reduce(0, +) / n
        )
    }

    /// Per class, in the order of `classes`, the references of that class a variant answered and
    /// how many of its answers named the class first; then all classes together, named "all".
    /// References that name no class are left out.
    func classScores(_ variant: String) -> [ClassScore] {
        guard !classes.isEmpty else { return [] }
        let mine = scored.filter { $0.variant == variant }.compactMap { s in
            TextMetrics.namedClass(s.reference, classes: classes).map {
                (expected: $0, named: TextMetrics.namedClass(s.answer, classes: classes))
            }
        }
        guard !mine.isEmpty else { return [] }
        let perClass = classes.map { name in
            let of = mine.filter { $0.expected == name }
            return ClassScore(name: name, count: of.count, correct: of.filter { $0.named == name }.count)
        }
        return perClass + [
            ClassScore(name: "all", count: mine.count, correct: mine.filter { $0.named == $0.expected }.count)
        ]
    }

    var json: JSONValue {
        var out: [(key: String, value: JSONValue)] = [
            (key: "split", value: .string(split)), (key: "examples", value: .number(Double(examples))),
        ]
        out.append(
            (
                key: "loss",
                value: .object(
                    losses.map { (key: $0.0, value: ["loss": .number($0.1), "perplexity": .number(exp($0.1))]) })
            ))
        out.append(
            (
                key: "metrics",
                value: .object(
                    variants.compactMap { name in
                        metrics(name).map {
                            (
                                key: name,
                                value: [
                                    "exact_match": .number($0.exactMatch), "rouge_l": .number($0.rougeL),
                                    "bleu_4": .number($0.bleu4),
                                    "count": .number(Double(scored.filter { $0.variant == name }.count)),
                                ]
                            )
                        }
                    })
            ))
        if !classes.isEmpty {
            out.append(
                (
                    key: "classes",
                    value: .object(
                        variants.compactMap { name in
                            let scores = classScores(name)
                            guard let all = scores.last else { return nil }
                            return (
                                key: name,
                                value: [
                                    "accuracy": .number(all.accuracy), "count": .number(Double(all.count)),
                                    "correct": .number(Double(all.correct)),
                                    "per_class": .object(
                                        scores.dropLast().map {
                                            (
                                                key: $0.name,
                                                value: [
                                                    "count": .number(Double($0.count)),
                                                    "correct": .number(Double($0.correct)),
                                                    "accuracy": .number($0.accuracy),
                                                ]
                                            )
                                        }),
                                ]
                            )
                        })
                ))
        }
        out.append(
            (
                key: "generations",
                value: .array(
                    generations.map { g in
                        [
                            "variant": .string(g.variant), "prompt": .string(g.prompt), "text": .string(g.result.text),
                            "tokens": .array(g.result.tokens.map { .number(Double($0)) }),
                            "stop_reason": .string(g.result.stopReason.rawValue),
                        ]
                    })
            ))
        out.append(
            (
                key: "references",
                value: .array(
                    scored.map { s in
                        var entry: [(key: String, value: JSONValue)] = [
                            ("variant", .string(s.variant)), ("prompt", .string(s.prompt)),
                            ("reference", .string(s.reference)), ("answer", .string(s.answer)),
                            ("exact_match", .number(s.exactMatch)), ("rouge_l", .number(s.rougeL)),
                            ("bleu_4", .number(s.bleu4)),
                        ]
                        if !classes.isEmpty {
                            entry.append(
                                (
                                    "class",
                                    TextMetrics.namedClass(s.reference, classes: classes).map(JSONValue.string) ?? .null
                                ))
                            entry.append(
                                (
                                    "answer_class",
                                    TextMetrics.namedClass(s.answer, classes: classes).map(JSONValue.string) ?? .null
                                ))
                        }
                        return .object(entry)
                    })
            ))
        return .object(out)
    }

    func markdown(title: String, hasChart: Bool) -> String {
        let names = variants
        var md = "# \(title)\n\n"
        if !losses.isEmpty || !scored.isEmpty {
            md += "| | " + names.joined(separator: " | ") + " |\n|---|" + names.map { _ in "---:|" }.joined() + "\n"
            if !losses.isEmpty {
                md +=
                    "| \(split) loss | "
                    + names.map { n in losses.first { $0.0 == n }.map { String(format: "%.4f", $0.1) } ?? "" }.joined(
                        separator: " | ") + " |\n"
                md +=
                    "| perplexity | "
                    + names.map { n in losses.first { $0.0 == n }.map { String(format: "%.2f", exp($0.1)) } ?? "" }
                    .joined(separator: " | ") + " |\n"
            }
            for (label, pick) in [("exact match", 0), ("ROUGE-L", 1), ("BLEU-4", 2)] where !scored.isEmpty {
                md +=
                    "| \(label) | "
                    + names.map { n in
                        metrics(n).map {
                            String(format: "%.3f", pick == 0 ? $0.exactMatch : pick == 1 ? $0.rougeL : $0.bleu4)
                        } ?? ""
                    }.joined(separator: " | ") + " |\n"
            }
            md +=
                "\n\(examples) examples in the \(split) split; metrics over "
                    + "\(scored.filter { $0.variant == names.last }.count) answered references.\n\n"
        }
        let scores = names.map(classScores)
        if let rows = scores.first(where: { !$0.isEmpty })?.map(\.name) {
            md +=
                "| class | references | " + names.joined(separator: " | ") + " |\n|---|---:|"
                + names.map { _ in "---:|" }.joined() + "\n"
            for (row, name) in rows.enumerated() {
                let count = scores.first { !$0.isEmpty }?[row].count ?? 0
                md +=
                    "| \(name) | \(count) | "
                    + scores.map { variant in
                        row < variant.count && variant[row].count > 0
                            ? "\(variant[row].correct) (\(String(format: "%.0f%%", variant[row].accuracy * 100)))" : ""
                    }.joined(separator: " | ") + " |\n"
            }
            md += "\nAn answer is right when the class it names first is its reference's.\n\n"
        }
        if hasChart { md += "![loss](loss.svg)\n\n" }
        let prompts = generations.map(\.prompt).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for prompt in prompts {
            md += "## \(prompt)\n\n"
            for g in generations where g.prompt == prompt {
                md +=
                    "**\(g.variant)** (\(g.result.stopReason.rawValue)): "
                        + "\(g.result.text.trimmingCharacters(in: .whitespacesAndNewlines))\n\n"
            }
        }
        return md
    }
}
