import Foundation
import PipeKit

/// `spellcheck`: replaces known misspellings in chosen fields of a dataset's records, word by word,
/// from a corrections file (`wrong right` per line). The corrections file is part of the cache key.
public struct SpellCheckStage: Stage {
    public static let kind = "spellcheck"
    public static let version = 1
    public static let summary = "Corrects known misspellings in a dataset's text fields, from a corrections file"
    public static let inputs: [InputPort] = [
        InputPort("dataset", accepts: ["dataset"], doc: "The records to correct.")
    ]

    public struct Params: StageParams {
        @Param(type: .path, required: true, doc: "A text file of corrections: `wrong right` on each line.")
        public var corrections = "corrections.txt"
        @Param(doc: "The record fields to correct (string fields; others are left alone).", minCount: 1)
        public var fields: [String] = ["output"]
        @Param(doc: "Match misspellings whatever their case (the correction keeps a leading capital).")
        public var ignoreCase = true

        public init() {}
    }

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "dataset" }

    public static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        [ExternalFile(
            name: params.corrections, url: resolvePath(params.corrections, in: folder),
            param: .root.key("corrections"))]
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let table = try Corrections(
            file: context.resolve(params.corrections), shownAs: params.corrections, ignoreCase: params.ignoreCase)
        var dataset = try Dataset.read(from: inputs.require("dataset").folder)
        var changed = 0
        for split in dataset.splits.indices {
            for row in dataset.splits[split].records.indices {
                try context.checkCancellation()
                for field in params.fields {
                    guard case let .string(text)? = dataset.splits[split].records[row][field] else { continue }
                    let (corrected, count) = table.apply(to: text)
                    dataset.splits[split].records[row][field] = .string(corrected)
                    changed += count
                }
            }
        }
        try dataset.write(to: context.outputFolder)
        context.say("\(changed) word\(changed == 1 ? "" : "s") corrected in \(dataset.totalCount) records")
    }
}

/// The corrections file, read once: lowercased misspelling -> correction.
struct Corrections {
    let table: [String: String]
    let ignoreCase: Bool

    init(file: URL, shownAs name: String, ignoreCase: Bool) throws {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw StageError.badData(file: name, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        var table: [String: String] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.isEmpty { continue }
            guard words.count == 2 else {
                throw StageError.badData(
                    file: name, line: index + 1, message: "expected `wrong right`, got \(words.count) words")
            }
            table[ignoreCase ? words[0].lowercased() : String(words[0])] = String(words[1])
        }
        self.table = table
        self.ignoreCase = ignoreCase
    }

    /// The text with each known misspelling replaced, and how many were.
    func apply(to text: String) -> (String, Int) {
        var out = ""
        var word = ""
        var count = 0
        func flush() {
            guard !word.isEmpty else { return }
            if let fixed = table[ignoreCase ? word.lowercased() : word] {
                out += word.first?.isUppercase == true ? fixed.prefix(1).uppercased() + fixed.dropFirst() : fixed
                count += 1
            } else {
                out += word
            }
            word = ""
        }
        for character in text {
            if character.isLetter || character == "'" {
                word.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return (out, count)
    }
}
