import Foundation

/// Loading a Hugging Face `tokenizer.json` (with an optional `tokenizer_config.json`).
///
/// Reads `model` (type `BPE`, `vocab`, `merges` as `"a b"` strings or `["a", "b"]` pairs,
/// `ignore_merges`), `added_tokens` (`special` → control, otherwise user-defined),
/// `pre_tokenizer` (ByteLevel, Digits + ByteLevel, Split + ByteLevel → a
/// `PreTokenizerKind`) and `post_processor` (TemplateProcessing's BOS/EOS). The config
/// adds `bos_token`, `eos_token`, `pad_token`, `unk_token`, `add_bos_token`,
/// `add_eos_token` and `chat_template`. Normalizers are not applied.
extension BPETokenizer {
    /// Loads `tokenizer.json`, and `tokenizer_config.json` from the same folder if present.
    public init(tokenizerJSON url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.malformedJSON("cannot read \(url.path): \(error.localizedDescription)")
        }
        let configURL = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        let config = try? Data(contentsOf: configURL)
        try self.init(tokenizerJSON: data, config: config)
    }

    /// Loads a Hugging Face folder (`tokenizer.json` + optional `tokenizer_config.json`).
    public init(folder: URL) throws {
        try self.init(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
    }

    public init(tokenizerJSON data: Data, config: Data? = nil) throws {
        try self.init(try Self.vocabulary(tokenizerJSON: data, config: config))
    }

    static func vocabulary(tokenizerJSON data: Data, config configData: Data?) throws -> BPEVocabulary {
        let root = try object(data, "tokenizer.json")
        guard let model = root["model"] as? [String: Any] else { throw TokenizerError.missingKey("model") }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupportedModel(type) }
        guard let vocab = model["vocab"] as? [String: Any] else { throw TokenizerError.missingKey("model.vocab") }

        // Tokens by id: the vocabulary, then added tokens (which may repeat vocabulary ids).
        var entries: [(text: String, type: TokenType)?] = []
        func place(_ text: String, _ type: TokenType, _ id: Int, replacing: Bool) throws {
            guard id >= 0, id < 1 << 24 else { throw TokenizerError.invalidTokenID(token: text, id: id) }
            if id >= entries.count { entries.append(contentsOf: repeatElement(nil, count: id + 1 - entries.count)) }
            if !replacing && entries[id] != nil { throw TokenizerError.invalidTokenID(token: text, id: id) }
            entries[id] = (text, type)
        }
        entries.reserveCapacity(vocab.count + 64)
        for (text, value) in vocab {
            guard let number = value as? NSNumber else { throw TokenizerError.invalidTokenID(token: text, id: -1) }
            try place(text, .normal, number.intValue, replacing: false)
        }
        for (index, entry) in (root["added_tokens"] as? [Any] ?? []).enumerated() {
            guard let added = entry as? [String: Any], let text = added["content"] as? String,
                  let id = (added["id"] as? NSNumber)?.intValue
            else { throw TokenizerError.malformedJSON("added_tokens[\(index)] needs 'id' and 'content'") }
            let special = added["special"] as? Bool ?? false
            try place(text, special ? .control : .userDefined, id, replacing: true)
        }
        guard !entries.isEmpty else { throw TokenizerError.emptyVocabulary }
        var tokens: [String] = []
        var types: [TokenType] = []
        tokens.reserveCapacity(entries.count)
        types.reserveCapacity(entries.count)
        for (id, entry) in entries.enumerated() {
            if let entry {
                tokens.append(entry.text)
                types.append(entry.type)
            } else {  // a hole: a padding entry, as llama.cpp's converter writes
                tokens.append("[PAD\(id)]")
                types.append(.unused)
            }
        }

        var merges: [MergeRule] = []
        let rawMerges = model["merges"] as? [Any] ?? []
        merges.reserveCapacity(rawMerges.count)
        for (index, raw) in rawMerges.enumerated() {
            if let text = raw as? String {
                merges.append(try mergeRule(text, index: index))
            } else if let pair = raw as? [Any], pair.count == 2,
                      let left = pair[0] as? String, let right = pair[1] as? String {
                merges.append(MergeRule(left, right))
            } else {
                throw TokenizerError.malformedMerge(index: index, text: "\(raw)")
            }
        }

        let preTokenizer = try preTokenizerKind(root["pre_tokenizer"])
        let config = try configData.map { try object($0, "tokenizer_config.json") } ?? [:]

        func id(of text: String, _ name: String) throws -> Int32 {
            guard let index = tokens.firstIndex(of: text) else {
                throw TokenizerError.unknownSpecialToken(name: name, text: text)
            }
            return Int32(index)
        }
        func configToken(_ key: String) -> String? {
            if let text = config[key] as? String { return text }
            return (config[key] as? [String: Any])?["content"] as? String
        }

        var special = SpecialTokens()
        var addBOS = false, addEOS = false
        let template = templateTokens(root["post_processor"])
        if let bos = template.bos { special.bos = try id(of: bos, "BOS"); addBOS = true }
        if let eos = template.eos { special.eos = try id(of: eos, "EOS"); addEOS = true }
        if let text = configToken("bos_token") { special.bos = try id(of: text, "BOS") }
        if let text = configToken("eos_token") { special.eos = try id(of: text, "EOS") }
        if let text = configToken("pad_token") { special.pad = try id(of: text, "PAD") }
        if let text = configToken("unk_token") ?? (model["unk_token"] as? String) {
            special.unk = try id(of: text, "UNK")
        }
        if let flag = config["add_bos_token"] as? Bool { addBOS = flag }
        if let flag = config["add_eos_token"] as? Bool { addEOS = flag }
        special.eot = endOfTurnID(tokens: tokens, types: types, declared: nil, eos: special.eos)

        var chatTemplate = config["chat_template"] as? String
        if chatTemplate == nil, let named = config["chat_template"] as? [[String: Any]] {
            chatTemplate = (named.first { $0["name"] as? String == "default" } ?? named.first)?["template"] as? String
        }
        return BPEVocabulary(tokens: tokens, types: types, merges: merges, special: special,
                             addBOS: addBOS, addEOS: addEOS, preTokenizer: preTokenizer,
                             ignoreMerges: model["ignore_merges"] as? Bool ?? false,
                             chatTemplate: chatTemplate)
    }

    private static func object(_ data: Data, _ name: String) throws -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerError.malformedJSON("\(name) is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.malformedJSON("\(name) is not a JSON object")
        }
        return object
    }

    /// The pre-tokenizer kind a `pre_tokenizer` object describes.
    static func preTokenizerKind(_ value: Any?) throws -> PreTokenizerKind {
        guard let object = value as? [String: Any] else {
            throw TokenizerError.unsupportedPreTokenizer("none (tokenizer.json has no pre_tokenizer)")
        }
        var parts = [object]
        if object["type"] as? String == "Sequence" {
            parts = object["pretokenizers"] as? [[String: Any]] ?? []
        }
        var byteLevelRegex = false, individualDigits = false
        var split: PreTokenizerKind?
        for part in parts {
            switch part["type"] as? String {
            case "ByteLevel":
                if part["add_prefix_space"] as? Bool == true {
                    throw TokenizerError.unsupportedPreTokenizer("ByteLevel with add_prefix_space")
                }
                byteLevelRegex = part["use_regex"] as? Bool ?? true
            case "Digits" where part["individual_digits"] as? Bool == true:
                individualDigits = true
            case "Split":
                let pattern = (part["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
                guard let kind = knownSplitPatterns[pattern],
                      (part["behavior"] as? String ?? "Isolated") == "Isolated",
                      part["invert"] as? Bool != true
                else { throw TokenizerError.unsupportedPreTokenizer("Split \(pattern)") }
                split = kind
            default:
                throw TokenizerError.unsupportedPreTokenizer(part["type"] as? String ?? "\(part)")
            }
        }
        switch (split, individualDigits, byteLevelRegex) {
        case (let kind?, false, false): return kind
        case (nil, true, true): return .smollm
        case (nil, false, true): return .gpt2
        default: throw TokenizerError.unsupportedPreTokenizer("\(object)")
        }
    }

    private static let contractionsCI = "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    private static let contractionsExpanded = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
    private static let llama3Tail =
        "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    private static let qwen2Tail =
        "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    /// Split regexes this module implements, as tokenizer.json spells them.
    static let knownSplitPatterns: [String: PreTokenizerKind] = [
        contractionsCI + llama3Tail: .llama3,
        contractionsExpanded + llama3Tail: .llama3,
        contractionsCI + qwen2Tail: .qwen2,
        contractionsExpanded + qwen2Tail: .qwen2,
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+": .gpt2,
    ]

    /// BOS/EOS texts a TemplateProcessing post-processor puts around a single sequence.
    static func templateTokens(_ value: Any?) -> (bos: String?, eos: String?) {
        guard let object = value as? [String: Any] else { return (nil, nil) }
        if object["type"] as? String == "Sequence" {
            for part in object["processors"] as? [Any] ?? [] {
                let found = templateTokens(part)
                if found.bos != nil || found.eos != nil { return found }
            }
            return (nil, nil)
        }
        guard object["type"] as? String == "TemplateProcessing",
              let single = object["single"] as? [[String: Any]] else { return (nil, nil) }
        var bos: String?, eos: String?
        var seenSequence = false
        for piece in single {
            if piece["Sequence"] != nil { seenSequence = true; continue }
            guard let text = (piece["SpecialToken"] as? [String: Any])?["id"] as? String else { continue }
            if seenSequence { eos = eos ?? text } else { bos = bos ?? text }
        }
        return (bos, eos)
    }

    /// `"a b"` → the rule; the space separating the parts is the first one after the
    /// first character (a part never contains a space in the byte-level alphabet).
    static func mergeRule(_ text: String, index: Int) throws -> MergeRule {
        guard let first = text.unicodeScalars.first,
              let space = text.unicodeScalars.dropFirst().firstIndex(of: " ")
        else { throw TokenizerError.malformedMerge(index: index, text: text) }
        _ = first
        let left = String(text.unicodeScalars[..<space])
        let right = String(text.unicodeScalars[text.unicodeScalars.index(after: space)...])
        guard !right.isEmpty else { throw TokenizerError.malformedMerge(index: index, text: text) }
        return MergeRule(left, right)
    }

    /// The end-of-turn id: the declared one, else the first control token named like one.
    static func endOfTurnID(tokens: [String], types: [TokenType], declared: Int32?,
                            eos: Int32?) -> Int32? {
        if let declared { return declared }
        for name in ["<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"] {
            if let index = tokens.firstIndex(of: name),
               types[index] == .control || types[index] == .userDefined {
                return Int32(index)
            }
        }
        return nil
    }
}
