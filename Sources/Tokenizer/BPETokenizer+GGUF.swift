import GGUF

/// Loading from GGUF metadata (llama.cpp's `tokenizer.ggml.*` keys).
///
/// Required: `tokenizer.ggml.model` = `gpt2`, `tokenizer.ggml.tokens`,
/// `tokenizer.ggml.merges`. Optional: `token_type` (all normal if absent), `pre`
/// (`default` if absent, as llama.cpp), `bos_token_id`, `eos_token_id`, `eot_token_id`,
/// `padding_token_id`, `unknown_token_id`, `add_bos_token`, `add_eos_token` and
/// `tokenizer.chat_template`. As in llama.cpp, Llama 3 pre-tokenizer names default to
/// adding BOS and to `ignore_merges`; everything else adds nothing unless the file says.
extension BPETokenizer {
    public init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata)
    }

    public init(ggufMetadata metadata: [String: GGUFValue]) throws {
        try self.init(try Self.vocabulary(ggufMetadata: metadata))
    }

    static func vocabulary(ggufMetadata metadata: [String: GGUFValue]) throws -> BPEVocabulary {
        let prefix = "tokenizer.ggml."
        func value(_ key: String) -> GGUFValue? { metadata[prefix + key] }
        func string(_ key: String) throws -> String? {
            guard let v = value(key) else { return nil }
            guard let s = v.string else { throw TokenizerError.wrongType(key: prefix + key, expected: "a string") }
            return s
        }
        func strings(_ key: String) throws -> [String] {
            guard let v = value(key) else { throw TokenizerError.missingKey(prefix + key) }
            guard let a = v.stringArray else {
                throw TokenizerError.wrongType(key: prefix + key, expected: "an array of strings")
            }
            return a
        }
        func id(_ key: String) throws -> Int32? {
            guard let v = value(key) else { return nil }
            guard let i = v.int, let id = Int32(exactly: i) else {
                throw TokenizerError.wrongType(key: prefix + key, expected: "an integer token id")
            }
            return id
        }
        func flag(_ key: String, default fallback: Bool) throws -> Bool {
            guard let v = value(key) else { return fallback }
            guard let b = v.bool else { throw TokenizerError.wrongType(key: prefix + key, expected: "a bool") }
            return b
        }

        guard let model = try string("model") else { throw TokenizerError.missingKey(prefix + "model") }
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
        let tokens = try strings("tokens")
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }

        var types: [TokenType]
        if let raw = value("token_type") {
            guard let ints = raw.intArray else {
                throw TokenizerError.wrongType(key: prefix + "token_type", expected: "an array of integers")
            }
            guard ints.count == tokens.count else {
                throw TokenizerError.tokenTypeCountMismatch(tokens: tokens.count, types: ints.count)
            }
            types = []
            types.reserveCapacity(ints.count)
            for (index, v) in ints.enumerated() {
                guard let t = Int32(exactly: v).flatMap(TokenType.init(rawValue:)) else {
                    throw TokenizerError.invalidTokenType(index: index, value: v)
                }
                types.append(t)
            }
        } else {
            types = Array(repeating: .normal, count: tokens.count)
        }

        let mergeTexts = try strings("merges")
        var merges: [MergeRule] = []
        merges.reserveCapacity(mergeTexts.count)
        for (index, text) in mergeTexts.enumerated() {
            merges.append(try mergeRule(text, index: index))
        }

        let preName = try string("pre") ?? "default"
        guard let pre = PreTokenizerKind(ggufName: preName) else {
            throw TokenizerError.unsupportedPreTokenizer(preName)
        }

        let llama3Defaults = PreTokenizerKind.llama3Names.contains(preName)
        let eos = try id("eos_token_id")
        let special = SpecialTokens(
            bos: try id("bos_token_id"), eos: eos,
            eot: endOfTurnID(tokens: tokens, types: types, declared: try id("eot_token_id"), eos: eos),
            pad: try id("padding_token_id"), unk: try id("unknown_token_id"))

        var chatTemplate: String?
        if let v = metadata["tokenizer.chat_template"] {
            guard let s = v.string else {
                throw TokenizerError.wrongType(key: "tokenizer.chat_template", expected: "a string")
            }
            chatTemplate = s
        }
        return BPEVocabulary(tokens: tokens, types: types, merges: merges, special: special,
                             addBOS: try flag("add_bos_token", default: llama3Defaults),
                             addEOS: try flag("add_eos_token", default: false),
                             preTokenizer: pre, ignoreMerges: llama3Defaults,
                             chatTemplate: chatTemplate)
    }
}
