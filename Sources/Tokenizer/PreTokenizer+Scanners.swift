/// The pre-tokenizer regexes as hand-written scanners. Each takes one piece
/// `range` of code points and appends the pieces it cuts it into to `out`.
///
/// Legend: `s` code points, `f` their `UnicodeClass` flags; `at(i)` is 0 past the end of
/// the piece, which is how `(?!\S)` and "next is a letter" see the piece boundary.

private let L = UnicodeClass.letter
private let N = UnicodeClass.number
private let WS = UnicodeClass.whitespace
private let P = UnicodeClass.punctuation
private let apostrophe: UInt32 = 0x27
private let space: UInt32 = 0x20
private let cr: UInt32 = 0x0D
private let lf: UInt32 = 0x0A

/// A cursor that records cut points and never emits empty pieces.
private struct Cutter {
    let lo: Int, hi: Int
    var previous: Int
    init(_ range: Range<Int>) { lo = range.lowerBound; hi = range.upperBound; previous = lo }

    @inline(__always)
    mutating func cut(at end: Int, _ out: inout [Range<Int>]) {
        if end > previous { out.append(previous..<end) }
        previous = end
    }
}

/// `[^\s\p{L}\p{N}]` inside the piece.
@inline(__always)
private func isOther(_ flags: UInt8) -> Bool {
    flags != 0 && flags & (L | N | WS) == 0
}

@inline(__always)
private func asciiLower(_ c: UInt32) -> UInt32 {
    (c >= 0x41 && c <= 0x5A) ? c + 0x20 : c
}

/// Length of a contraction (`'s 't 'm 'd 're 've 'll`) at `pos`, or 0.
@inline(__always)
private func contraction(_ s: UnsafeBufferPointer<UInt32>, _ pos: Int, _ hi: Int,
                         caseInsensitive: Bool) -> Int {
    guard s[pos] == apostrophe, pos + 1 < hi else { return 0 }
    let a = caseInsensitive ? asciiLower(s[pos + 1]) : s[pos + 1]
    if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
    guard pos + 2 < hi else { return 0 }
    let b = caseInsensitive ? asciiLower(s[pos + 2]) : s[pos + 2]
    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {
        return 3  // re ve ll
    }
    return 0
}

/// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
func splitGPT2(_ range: Range<Int>, _ s: UnsafeBufferPointer<UInt32>,
               _ f: UnsafeBufferPointer<UInt8>, _ out: inout [Range<Int>]) {
    var cutter = Cutter(range)
    let hi = cutter.hi
    @inline(__always) func at(_ i: Int) -> UInt8 { i < hi ? f[i] : 0 }
    var pos = cutter.lo
    while pos < hi {
        let c = s[pos]
        let k = contraction(s, pos, hi, caseInsensitive: false)
        if k > 0 {
            pos += k
            cutter.cut(at: pos, &out)
            continue
        }
        let lead = c == space ? 1 : 0
        let f2 = c == space ? at(pos + 1) : f[pos]
        if f2 & L != 0 {
            pos += lead + 1
            while at(pos) & L != 0 { pos += 1 }
            cutter.cut(at: pos, &out)
            continue
        }
        if f2 & N != 0 {
            pos += lead + 1
            while at(pos) & N != 0 { pos += 1 }
            cutter.cut(at: pos, &out)
            continue
        }
        if isOther(f2) {
            pos += lead + 1
            while isOther(at(pos)) { pos += 1 }
            cutter.cut(at: pos, &out)
            continue
        }
        var spaces = 0
        while at(pos + spaces) & WS != 0 { spaces += 1 }
        if spaces > 1 && pos + spaces < hi {
            pos += spaces - 1  // \s+(?!\S): leave the last one to the next word
        } else if spaces > 0 {
            pos += spaces
        } else {
            pos += 1
        }
        cutter.cut(at: pos, &out)
    }
    cutter.cut(at: hi, &out)
}

/// Llama 3 (`maxDigits` 3) and Qwen 2 (`maxDigits` 1):
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}|
///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
func splitLlama3(_ range: Range<Int>, _ maxDigits: Int, _ s: UnsafeBufferPointer<UInt32>,
                 _ f: UnsafeBufferPointer<UInt8>, _ out: inout [Range<Int>]) {
    var cutter = Cutter(range)
    let hi = cutter.hi
    @inline(__always) func at(_ i: Int) -> UInt8 { i < hi ? f[i] : 0 }
    var pos = cutter.lo
    while pos < hi {
        let c = s[pos]
        let fc = f[pos]
        let k = contraction(s, pos, hi, caseInsensitive: true)
        if k > 0 {
            pos += k
            cutter.cut(at: pos, &out)
            continue
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if !(c == cr || c == lf || fc & N != 0), fc & L != 0 || at(pos + 1) & L != 0 {
            pos += 1
            while at(pos) & L != 0 { pos += 1 }
            cutter.cut(at: pos, &out)
            continue
        }
        // \p{N}{1,maxDigits}
        if fc & N != 0 {
            var start = pos
            while at(pos) & N != 0 {
                pos += 1
                if pos - start >= maxDigits {
                    cutter.cut(at: pos, &out)
                    start = pos
                }
            }
            cutter.cut(at: pos, &out)
            continue
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'; a lone trailing space also lands here, as itself
        let f2 = c == space ? at(pos + 1) : fc
        if f2 & (L | N | WS) == 0 {
            if c == space { pos += 1 }
            while isOther(at(pos)) { pos += 1 }
            while pos < hi && (s[pos] == cr || s[pos] == lf) { pos += 1 }
            cutter.cut(at: pos, &out)
            continue
        }
        var spaces = 0
        var afterLastNewline = -1
        while at(pos + spaces) & WS != 0 {
            let c2 = s[pos + spaces]
            if c2 == cr || c2 == lf { afterLastNewline = pos + spaces + 1 }
            spaces += 1
        }
        if afterLastNewline >= 0 {
            pos = afterLastNewline  // \s*[\r\n]+
        } else if spaces > 1 && pos + spaces < hi {
            pos += spaces - 1  // \s+(?!\S)
        } else if spaces > 0 {
            pos += spaces
        } else {
            pos += 1
        }
        cutter.cut(at: pos, &out)
    }
    cutter.cut(at: hi, &out)
}

/// Runs of one class become pieces of at most `maxLength` code points; the text between
/// runs stays as pieces of its own. (`\p{N}` is maxLength 1, `\p{N}+` unbounded.)
/// ASCII digits follow `[0-9][0-9][0-9]`: only whole triples are matches, and a shorter
/// rest of a run stays with the text around it.
func splitRuns(_ range: Range<Int>, _ runClass: RunClass, _ maxLength: Int,
               _ s: UnsafeBufferPointer<UInt32>, _ f: UnsafeBufferPointer<UInt8>,
               _ out: inout [Range<Int>]) {
    @inline(__always) func member(_ i: Int) -> Bool {
        switch runClass {
        case .number: return f[i] & N != 0
        case .asciiDigit: return s[i] >= 0x30 && s[i] <= 0x39
        case .defaultPunctuation:
            if f[i] & P != 0 { return true }
            switch s[i] {
            case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C: return true  // $ + < = > ^ ~ |
            default: return false
            }
        }
    }
    var cutter = Cutter(range)
    var pos = cutter.lo
    let hi = cutter.hi
    if runClass == .asciiDigit {
        while pos + maxLength <= hi {
            if (pos..<(pos + maxLength)).allSatisfy(member) {
                cutter.cut(at: pos, &out)
                pos += maxLength
                cutter.cut(at: pos, &out)
            } else {
                pos += 1
            }
        }
        cutter.cut(at: hi, &out)
        return
    }
    while pos < hi {
        guard member(pos) else { pos += 1; continue }
        cutter.cut(at: pos, &out)
        var start = pos
        while pos < hi && member(pos) {
            pos += 1
            if pos - start >= maxLength {
                cutter.cut(at: pos, &out)
                start = pos
            }
        }
        cutter.cut(at: pos, &out)
    }
    cutter.cut(at: hi, &out)
}
