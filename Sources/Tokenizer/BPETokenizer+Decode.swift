/// Decoding: ids to bytes.
extension BPETokenizer {
    public func decodeBytes(_ ids: [Int32], renderSpecial: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, renderSpecial: renderSpecial, to: &out) }
        return out
    }

    /// Appends one token's bytes (nothing for ids outside the vocabulary, unused tokens,
    /// and control/unknown tokens unless `renderSpecial`).
    @inline(__always)
    func appendBytes(of id: Int32, renderSpecial: Bool, to out: inout [UInt8]) {
        guard id >= 0, Int(id) < pieces.count else { return }
        if !renderSpecial {
            let type = vocabulary.types[Int(id)]
            if type == .control || type == .unknown { return }
        }
        out.append(contentsOf: pieces[Int(id)])
    }

    /// A decoder for the generation loop that hands out text only in whole characters.
    public func streamingDecoder(renderSpecial: Bool = false) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, renderSpecial: renderSpecial)
    }
}

/// Turns a stream of token ids into text, holding back the bytes of a character whose
/// UTF-8 sequence is not complete yet (an emoji or CJK character can span tokens).
public struct StreamingDecoder: Sendable {
    public let tokenizer: any Tokenizer
    public let renderSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// The text that became complete with this token (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.decodeBytes([id], renderSpecial: renderSpecial))
        let complete = Self.completePrefixLength(pending)
        if complete == 0 { return "" }
        let text = String(decoding: pending[0..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held back (an unfinished character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix that does not end inside an unfinished UTF-8 sequence.
    /// Invalid bytes are let through (they decode to U+FFFD) rather than held forever.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var back = 1
        // Look at most 3 bytes back for the lead byte of the last sequence.
        while back <= min(3, n) {
            let b = bytes[n - back]
            if b & 0xC0 == 0x80 { back += 1; continue }  // continuation byte
            let needed: Int
            if b < 0x80 { needed = 1 } else if b & 0xE0 == 0xC0 { needed = 2 }
            else if b & 0xF0 == 0xE0 { needed = 3 } else if b & 0xF8 == 0xF0 { needed = 4 }
            else { return n }  // not a lead byte: invalid, let it through
            return needed > back ? n - back : n
        }
        return n
    }
}
