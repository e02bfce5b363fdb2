/// Byte-level BPE (GPT-2 style) as llama.cpp and Hugging Face `tokenizers` run it.
///
/// Text is cut into special tokens and plain fragments; each fragment is cut into words
/// by the model's pre-tokenizer; each word's UTF-8 bytes start as one symbol per byte and
/// adjacent symbols merge by rank (lowest first, leftmost on ties) until no rule applies.
///
/// Symbols are ids: vocabulary ids, plus "synthetic" ids past the vocabulary for strings
/// that occur in merge rules but are not tokens themselves. A word that ends with a
/// synthetic symbol falls back to one token per byte, as llama.cpp does.
public struct BPETokenizer: Tokenizer {
    public let vocabulary: BPEVocabulary

    /// Bytes each id decodes to (raw bytes for normal tokens, text for the rest).
    let pieces: [[UInt8]]
    /// The symbol id each byte starts as.
    let byteSymbol: [Int32]
    /// Bytes of synthetic symbols, indexed by `id - vocabularySize`.
    let syntheticBytes: [[UInt8]]
    /// `(left << 32 | right)` → `(rank << 32 | merged)`.
    let mergeTable: [UInt64: UInt64]
    /// Vocabulary id of a byte string, for `ignoreMerges`.
    let wholeWords: [[UInt8]: Int32]
    /// Tokens matched whole in text, longest first.
    let specialCandidates: [SpecialCandidate]
    /// Indices into `specialCandidates` by first byte.
    let candidatesByFirstByte: [[Int]]
    /// Id of each token text (the last id when a text repeats).
    let idsByText: [String: Int32]
    public let endOfGenerationIDs: Set<Int32>

    /// Texts llama.cpp treats as end of generation when they are control tokens.
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
        "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>",
    ]

    struct SpecialCandidate {
        let id: Int32
        let bytes: [UInt8]
        /// User-defined tokens match even when special parsing is off.
        let always: Bool
    }

    public var vocabularySize: Int { vocabulary.tokens.count }
    public var specialTokens: SpecialTokens { vocabulary.special }

    /// Builds the tables; checks what the vocabulary declares.
    public init(_ vocabulary: BPEVocabulary) throws {
        let tokens = vocabulary.tokens
        let count = tokens.count
        guard count > 0 else { throw TokenizerError.emptyVocabulary }
        guard vocabulary.types.count == count else {
            throw TokenizerError.tokenTypeCountMismatch(tokens: count, types: vocabulary.types.count)
        }
        guard count < Int(Int32.max) / 2 else {
            throw TokenizerError.invalidTokenID(token: tokens[tokens.count - 1], id: count - 1)
        }
        let named: [(String, Int32?)] = [
            ("BOS", vocabulary.special.bos), ("EOS", vocabulary.special.eos),
            ("EOT", vocabulary.special.eot), ("PAD", vocabulary.special.pad),
            ("UNK", vocabulary.special.unk),
        ]
        for (name, id) in named {
            if let id, id < 0 || Int(id) >= count {
                throw TokenizerError.specialTokenOutOfRange(name: name, id: Int(id), vocabularySize: count)
            }
        }
        self.vocabulary = vocabulary

        // Decoding pieces and the byte-string → id interner.
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(count)
        var interner: [[UInt8]: Int32] = [:]
        interner.reserveCapacity(count + vocabulary.merges.count / 4)
        for (index, text) in tokens.enumerated() {
            let mapped = ByteLevel.decode(text)
            if let mapped { interner[mapped] = Int32(index) }
            switch vocabulary.types[index] {
            case .normal, .undefined:
                pieces.append(mapped ?? Array(text.utf8))
            case .byte:
                pieces.append(Self.byteTokenValue(text).map { [$0] } ?? Array(text.utf8))
            case .unused:
                pieces.append([])
            case .control, .unknown, .userDefined:
                pieces.append(Array(text.utf8))
            }
        }
        self.pieces = pieces
        self.wholeWords = interner

        // Merge rules over symbol ids; strings that are not tokens get synthetic ids.
        var synthetic: [[UInt8]] = []
        func symbol(_ bytes: [UInt8]) -> Int32 {
            if let id = interner[bytes] { return id }
            let id = Int32(count + synthetic.count)
            synthetic.append(bytes)
            interner[bytes] = id
            return id
        }
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(vocabulary.merges.count)
        for (rank, rule) in vocabulary.merges.enumerated() {
            // Parts outside the byte alphabet can never be formed: the rule never applies.
            guard let left = ByteLevel.decode(rule.left), let right = ByteLevel.decode(rule.right)
            else { continue }
            let l = symbol(left), r = symbol(right)
            let merged = symbol(left + right)
            let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
            if table[key] == nil {  // the first (best-ranked) rule for a pair wins
                table[key] = UInt64(rank) << 32 | UInt64(UInt32(merged))
            }
        }
        self.byteSymbol = (0..<256).map { symbol([UInt8($0)]) }
        self.syntheticBytes = synthetic
        self.mergeTable = table

        // Tokens matched whole in text.
        var candidates: [SpecialCandidate] = []
        for (index, type) in vocabulary.types.enumerated() {
            guard type == .control || type == .unknown || type == .userDefined else { continue }
            let bytes = Array(tokens[index].utf8)
            guard !bytes.isEmpty else { continue }
            candidates.append(SpecialCandidate(id: Int32(index), bytes: bytes,
                                               always: type == .userDefined))
        }
        candidates.sort { a, b in
            a.bytes.count != b.bytes.count ? a.bytes.count > b.bytes.count : a.id < b.id
        }
        var byFirst = [[Int]](repeating: [], count: 256)
        for (i, candidate) in candidates.enumerated() {
            byFirst[Int(candidate.bytes[0])].append(i)
        }
        self.specialCandidates = candidates
        self.candidatesByFirstByte = byFirst

        var idsByText: [String: Int32] = [:]
        idsByText.reserveCapacity(count)
        var endIDs = Set([vocabulary.special.eos, vocabulary.special.eot].compactMap { $0 })
        for (index, text) in tokens.enumerated() {
            idsByText[text] = Int32(index)
            if vocabulary.types[index] == .control, Self.endOfGenerationTexts.contains(text) {
                endIDs.insert(Int32(index))
            }
        }
        self.idsByText = idsByText
        self.endOfGenerationIDs = endIDs
    }

    /// The byte of a `<0xAB>` token.
    static func byteTokenValue(_ text: String) -> UInt8? {
        let u = Array(text.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
              let value = UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
        else { return nil }
        return value
    }

    public func tokenText(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < vocabulary.tokens.count else { return nil }
        return vocabulary.tokens[Int(id)]
    }

    /// The type of one token, nil outside the vocabulary.
    public func tokenType(_ id: Int32) -> TokenType? {
        guard id >= 0, Int(id) < vocabulary.types.count else { return nil }
        return vocabulary.types[Int(id)]
    }

    /// The id of a token given its stored text, e.g. `"<|im_end|>"`.
    public func tokenID(_ text: String) -> Int32? {
        idsByText[text]
    }
}
