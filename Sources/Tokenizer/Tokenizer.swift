/// Text to token ids and back.
///
/// `encode` follows llama.cpp's `llama_tokenize(text, add_special, parse_special)`:
/// with `addSpecial` the BOS/EOS ids are added as the model's flags say; with
/// `parseSpecial` control tokens written in the text (`<|im_start|>`) become their ids.
/// `decodeBytes` gives raw bytes, so a multibyte character split across tokens survives;
/// `decode` turns them into a String (invalid UTF-8 replaced) only at the very end.
public protocol Tokenizer: Sendable {
    /// Number of token ids (the model's vocabulary size).
    var vocabularySize: Int { get }
    /// BOS, EOS, EOT, PAD and UNK ids as the file declares them.
    var specialTokens: SpecialTokens { get }
    /// Token ids of `text`.
    func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool) -> [Int32]
    /// Bytes of the tokens; control tokens give their text if `renderSpecial`, else nothing.
    /// Ids outside the vocabulary give nothing.
    func decodeBytes(_ ids: [Int32], renderSpecial: Bool) -> [UInt8]
    /// The stored text of one token (as in the vocabulary), nil outside it.
    func tokenText(_ id: Int32) -> String?
    /// Ids that end generation: EOS, EOT and the control tokens llama.cpp treats as
    /// end-of-generation by their text (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, ...).
    var endOfGenerationIDs: Set<Int32> { get }
}

extension Tokenizer {
    /// Token ids of `text`, with BOS/EOS as the model's flags say.
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int32] {
        encode(text, parseSpecial: parseSpecial, addSpecial: true)
    }

    /// Bytes of the tokens, control tokens rendered as their text.
    public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        decodeBytes(ids, renderSpecial: true)
    }

    /// Text of the tokens; invalid UTF-8 (a character cut at the end) becomes U+FFFD.
    public func decode(_ ids: [Int32], renderSpecial: Bool = true) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// The text of `ids` without a trailing, incomplete UTF-8 sequence (one the next token would
    /// complete): what a generation cut short by its token limit should show.
    public func decodeCompleteText(_ ids: [Int32], renderSpecial: Bool = false) -> String {
        var bytes = decodeBytes(ids, renderSpecial: renderSpecial)
        var start = bytes.count
        while start > 0 && bytes.count - start < 4 && bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
        if start > 0 {
            let lead = bytes[start - 1]
            let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if lead >= 0xC0 && bytes.count - (start - 1) < needed { bytes.removeSubrange((start - 1)...) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// EOS and EOT.
    public var endOfGenerationIDs: Set<Int32> {
        Set([specialTokens.eos, specialTokens.eot].compactMap { $0 })
    }

    /// Whether generation should stop at this id.
    public func isEndOfGeneration(_ id: Int32) -> Bool {
        endOfGenerationIDs.contains(id)
    }
}

/// The kind of each vocabulary entry, numbered as GGUF's `tokenizer.ggml.token_type`.
public enum TokenType: Int32, Sendable, Equatable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// Written by templates (`<|im_start|>`); parsed from text only when asked.
    case control = 3
    /// Added words; always matched whole in text, rendered as their text.
    case userDefined = 4
    case unused = 5
    /// `<0xAB>`: one raw byte.
    case byte = 6
}

/// Ids of the tokens with a role. Nil when the model does not declare one.
public struct SpecialTokens: Sendable, Equatable {
    public var bos: Int32?
    public var eos: Int32?
    /// End of turn (`<|im_end|>`, `<|eot_id|>`); generation stops here as at EOS.
    public var eot: Int32?
    public var pad: Int32?
    public var unk: Int32?

    public init(bos: Int32? = nil, eos: Int32? = nil, eot: Int32? = nil, pad: Int32? = nil,
                unk: Int32? = nil) {
        self.bos = bos
        self.eos = eos
        self.eot = eot
        self.pad = pad
        self.unk = unk
    }
}

/// One merge rule: the two tokens (in the byte-level alphabet) that merge. Rules are
/// ranked by their position in the list, earliest first.
public struct MergeRule: Sendable, Equatable {
    public var left: String
    public var right: String
    public init(_ left: String, _ right: String) {
        self.left = left
        self.right = right
    }
}

/// Everything a byte-level BPE tokenizer is made of, as a file declares it; both the GGUF
/// and the tokenizer.json loaders fill one in.
public struct BPEVocabulary: Sendable {
    /// Token texts by id: normal tokens in the byte-level alphabet, control and
    /// user-defined tokens as plain text.
    public var tokens: [String]
    /// One per token (all `.normal` when the file gives none).
    public var types: [TokenType]
    public var merges: [MergeRule]
    public var special: SpecialTokens
    public var addBOS: Bool
    public var addEOS: Bool
    public var preTokenizer: PreTokenizerKind
    /// Skip merges for a word that is already one token (Llama 3).
    public var ignoreMerges: Bool
    /// The model's Jinja chat template, if it has one.
    public var chatTemplate: String?

    public init(tokens: [String], types: [TokenType]? = nil, merges: [MergeRule],
                special: SpecialTokens = SpecialTokens(), addBOS: Bool = false,
                addEOS: Bool = false, preTokenizer: PreTokenizerKind,
                ignoreMerges: Bool? = nil, chatTemplate: String? = nil) {
        self.tokens = tokens
        self.types = types ?? Array(repeating: .normal, count: tokens.count)
        self.merges = merges
        self.special = special
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges ?? preTokenizer.ignoresMerges
        self.chatTemplate = chatTemplate
    }
}
