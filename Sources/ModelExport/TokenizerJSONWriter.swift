// Writes a byte-level BPE tokenizer as Hugging Face `tokenizers` stores one, so that
// transformers' `AutoTokenizer` (PreTrainedTokenizerFast) gives the same ids as `BPETokenizer`.
//
// tokenizer.json, keys in this order:
//   version "1.0", truncation null, padding null,
//   added_tokens   [{id, content, single_word, lstrip, rstrip, normalized, special}] for every
//                  control / unknown token (special true) and user-defined token (special false),
//                  by id
//   normalizer     null
//   pre_tokenizer  gpt2: ByteLevel (GPT-2's split regex built in, use_regex true);
//                  smollm: Sequence [Digits (individual_digits), ByteLevel];
//                  llama3 / qwen2: Sequence [Split (their regex, Isolated), ByteLevel (use_regex false)]
//   post_processor ByteLevel, then TemplateProcessing putting BOS / EOS around a sequence when
//                  the tokenizer adds them (`single` and `pair` templates)
//   decoder        ByteLevel
//   model          {type "BPE", dropout, unk_token, continuing_subword_prefix, end_of_word_suffix,
//                  fuse_unk, byte_fallback, ignore_merges, vocab {text: id} by id, merges [[left, right]]}
// Merge rules that can never apply are left out (see `writableMerges`).
// A "[PAD<id>]" unused entry (what llama.cpp writes for a hole in a vocabulary) is left out of
// `vocab`, so the hole comes back as a hole. Same tokenizer, same bytes.
//
// tokenizer_config.json is written by `TokenizerJSONWriter+Config.swift`.

import Foundation
import JSON
import Tokenizer

/// tokenizer.json and tokenizer_config.json from a `BPETokenizer`.
public enum TokenizerJSONWriter {
    /// The tokenizer.json document.
    public static func tokenizerJSON(_ tokenizer: BPETokenizer) throws -> JSONValue {
        let v = tokenizer.vocabulary
        var vocab: [(key: String, value: JSONValue)] = []
        vocab.reserveCapacity(v.tokens.count)
        var seen: [String: Int] = [:]
        for (id, text) in v.tokens.enumerated() {
            if v.types[id] == .unused && text == "[PAD\(id)]" { continue }
            if let first = seen[text] {
                if isAdded(v.types[id]) { continue }  // listed under added_tokens with its own id
                throw HFExportError.unwritableToken(id: id, text: text,
                    reason: "the same text is token \(first); tokenizer.json's vocab maps each text to one id")
            }
            seen[text] = id
            vocab.append((key: text, value: .number(Double(id))))
        }
        let merges: [JSONValue] = try writableMerges(v, vocabulary: seen)
            .map { .array([.string($0.left), .string($0.right)]) }
        let model: JSONValue = [
            "type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
            "end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": .bool(v.ignoreMerges), "vocab": .object(vocab), "merges": .array(merges),
        ]
        let added: [JSONValue] = addedTokens(v).map { id, special in
            ["id": .number(Double(id)), "content": .string(v.tokens[id]), "single_word": false, "lstrip": false,
             "rstrip": false, "normalized": false, "special": .bool(special)]
        }
        return [
            "version": "1.0", "truncation": nil, "padding": nil, "added_tokens": .array(added),
            "normalizer": nil, "pre_tokenizer": try preTokenizer(v.preTokenizer),
            "post_processor": postProcessor(v), "decoder": byteLevel(trimOffsets: true, useRegex: true),
            "model": model,
        ]
    }

    /// The merge rules as tokenizer.json can hold them. `tokenizers` requires both parts and the
    /// result of every rule in `vocab`; a rule whose parts no chain of rules builds from single
    /// bytes never applies (in llama.cpp or here) and is left out, which changes no id. A rule
    /// that does apply but makes a string that is not a token (llama.cpp then falls back to
    /// bytes) has no tokenizer.json form: it is an error.
    public static func writableMerges(_ v: BPEVocabulary, vocabulary: [String: Int]? = nil) throws -> [MergeRule] {
        let vocab = vocabulary ?? Dictionary(v.tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var reachable = Set(ByteLevel.scalarForByte.map { String($0) })
        var grew = true
        while grew {
            grew = false
            for rule in v.merges where reachable.contains(rule.left) && reachable.contains(rule.right) {
                if reachable.insert(rule.left + rule.right).inserted { grew = true }
            }
        }
        var out: [MergeRule] = []
        out.reserveCapacity(v.merges.count)
        for (index, rule) in v.merges.enumerated() {
            guard reachable.contains(rule.left) && reachable.contains(rule.right) else { continue }
            if let missing = [rule.left, rule.right, rule.left + rule.right].first(where: { vocab[$0] == nil }) {
                throw HFExportError.unwritableMerge(index: index, left: rule.left, right: rule.right,
                    reason: "\(missing.debugDescription) is not a token, "
                        + "and tokenizer.json's merges may only name tokens")
            }
            out.append(rule)
        }
        return out
    }

    /// Ids of the tokens listed under `added_tokens`, with their `special` flag.
    static func addedTokens(_ v: BPEVocabulary) -> [(id: Int, special: Bool)] {
        v.types.enumerated().compactMap { id, type in
            isAdded(type) ? (id, type != .userDefined) : nil
        }
    }

    static func isAdded(_ type: TokenType) -> Bool {
        type == .control || type == .unknown || type == .userDefined
    }

    // MARK: Pre-tokenizers

    /// Llama 3's split regex: case-insensitive contractions, letters, numbers in threes, the rest.
    static let llama3Pattern = contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"# + tail
    /// Qwen 2's: as Llama 3's with every number code point on its own.
    static let qwen2Pattern = contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + tail
    private static let contractions = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)"#
    private static let tail = #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func preTokenizer(_ kind: PreTokenizerKind) throws -> JSONValue {
        switch kind {
        case .gpt2:
            return byteLevel(trimOffsets: true, useRegex: true)
        case .smollm:
            return ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                byteLevel(trimOffsets: true, useRegex: true),
            ]]
        case .llama3, .qwen2:
            let pattern = kind == .llama3 ? llama3Pattern : qwen2Pattern
            return ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": .string(pattern)], "behavior": "Isolated", "invert": false],
                byteLevel(trimOffsets: false, useRegex: false),
            ]]
        case .default:
            throw HFExportError.unsupportedPreTokenizer("default (llama.cpp's fallback)")
        }
    }

    static func byteLevel(trimOffsets: Bool, useRegex: Bool, addPrefixSpace: Bool = false) -> JSONValue {
        ["type": "ByteLevel", "add_prefix_space": .bool(addPrefixSpace), "trim_offsets": .bool(trimOffsets),
         "use_regex": .bool(useRegex)]
    }

    // MARK: Post-processor

    /// ByteLevel offsets, then BOS / EOS around each sequence as the tokenizer adds them.
    static func postProcessor(_ v: BPEVocabulary) -> JSONValue {
        let offsets = byteLevel(trimOffsets: false, useRegex: true, addPrefixSpace: true)
        let bos = v.addBOS ? v.special.bos.map { Int($0) } : nil
        let eos = v.addEOS ? v.special.eos.map { Int($0) } : nil
        guard bos != nil || eos != nil else { return offsets }
        func piece(_ id: Int, _ typeID: Int) -> JSONValue {
            ["SpecialToken": ["id": .string(v.tokens[id]), "type_id": .number(Double(typeID))]]
        }
        func sequence(_ name: String, _ typeID: Int) -> [JSONValue] {
            var out: [JSONValue] = []
            if let bos { out.append(piece(bos, typeID)) }
            out.append(["Sequence": ["id": .string(name), "type_id": .number(Double(typeID))]])
            if let eos { out.append(piece(eos, typeID)) }
            return out
        }
        var specials: [(key: String, value: JSONValue)] = []
        for id in [bos, eos].compactMap({ $0 }) where !specials.contains(where: { $0.key == v.tokens[id] }) {
            specials.append((key: v.tokens[id], value: [
                "id": .string(v.tokens[id]), "ids": [.number(Double(id))], "tokens": [.string(v.tokens[id])],
            ]))
        }
        let template: JSONValue = [
            "type": "TemplateProcessing", "single": .array(sequence("A", 0)),
            "pair": .array(sequence("A", 0) + sequence("B", 1)), "special_tokens": .object(specials),
        ]
        return ["type": "Sequence", "processors": [offsets, template]]
    }
}
