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

    let split: String
    let examples: Int
    var losses: [(String, Double)] = []
    var generations: [Generation] = []
    var scored: [Scored] = []

    init(split: String, examples: Int) {
        self.split = split
        self.examples = examples
    }

    var variants: [String] {
        var names: [String] = []
        for name in losses.map(\.0) + generations.map(\.variant) + scored.map(\.variant) where !names.contains(name) { names.append(name) }
        return names
    }

    func metrics(_ variant: String) -> (exactMatch: Double, rougeL: Double, bleu4: Double)? {
        let mine = scored.filter { $0.variant == variant }
        guard !mine.isEmpty else { return nil }
        let n = Double(mine.count)
        return (mine.map(\.exactMatch).reduce(0, +) / n, mine.map(\.rougeL).reduce(0, +) / n, mine.map(\.bleu4).reduce(0, +) / n)
    }

    var json: JSONValue {
        var out: [(key: String, value: JSONValue)] = [(key: "split", value: .string(split)), (key: "examples", value: .number(Double(examples)))]
        out.append((key: "loss", value: .object(losses.map { (key: $0.0, value: ["loss": .number($0.1), "perplexity": .number(exp($0.1))]) })))
        out.append((key: "metrics", value: .object(variants.compactMap { name in
            metrics(name).map { (key: name, value: ["exact_match": .number($0.exactMatch), "rouge_l": .number($0.rougeL), "bleu_4": .number($0.bleu4), "count": .number(Double(scored.filter { $0.variant == name }.count))]) }
        })))
        out.append((key: "generations", value: .array(generations.map { g in
            ["variant": .string(g.variant), "prompt": .string(g.prompt), "text": .string(g.result.text),
             "tokens": .array(g.result.tokens.map { .number(Double($0)) }), "stop_reason": .string(g.result.stopReason.rawValue)]
        })))
        out.append((key: "references", value: .array(scored.map { s in
            ["variant": .string(s.variant), "prompt": .string(s.prompt), "reference": .string(s.reference), "answer": .string(s.answer),
             "exact_match": .number(s.exactMatch), "rouge_l": .number(s.rougeL), "bleu_4": .number(s.bleu4)]
        })))
        return .object(out)
    }

    func markdown(title: String, hasChart: Bool) -> String {
        let names = variants
        var md = "# \(title)\n\n"
        if !losses.isEmpty || !scored.isEmpty {
            md += "| | " + names.joined(separator: " | ") + " |\n|---|" + names.map { _ in "---:|" }.joined() + "\n"
            if !losses.isEmpty {
                md += "| \(split) loss | " + names.map { n in losses.first { $0.0 == n }.map { String(format: "%.4f", $0.1) } ?? "" }.joined(separator: " | ") + " |\n"
                md += "| perplexity | " + names.map { n in losses.first { $0.0 == n }.map { String(format: "%.2f", exp($0.1)) } ?? "" }.joined(separator: " | ") + " |\n"
            }
            for (label, pick) in [("exact match", 0), ("ROUGE-L", 1), ("BLEU-4", 2)] where !scored.isEmpty {
                md += "| \(label) | " + names.map { n in
                    metrics(n).map { String(format: "%.3f", pick == 0 ? $0.exactMatch : pick == 1 ? $0.rougeL : $0.bleu4) } ?? ""
                }.joined(separator: " | ") + " |\n"
            }
            md += "\n\(examples) examples in the \(split) split; metrics over \(scored.filter { $0.variant == names.last }.count) answered references.\n\n"
        }
        if hasChart { md += "![loss](loss.svg)\n\n" }
        let prompts = generations.map(\.prompt).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for prompt in prompts {
            md += "## \(prompt)\n\n"
            for g in generations where g.prompt == prompt {
                md += "**\(g.variant)** (\(g.result.stopReason.rawValue)): \(g.result.text.trimmingCharacters(in: .whitespacesAndNewlines))\n\n"
            }
        }
        return md
    }
}
