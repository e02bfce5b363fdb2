/// Pre-tokenizers: the regex each model family uses to cut text into words before BPE,
/// written as scanners over code points (see `PreTokenizer+Scanners.swift`).
///
/// A pre-tokenizer is a sequence of steps. Each step cuts every current piece into
/// smaller pieces: the regex matches and the text between them (as llama.cpp's
/// `unicode_regex_split` and Hugging Face's `Split`/`Digits`/`ByteLevel` do); a step
/// never looks past the end of the piece it cuts.
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// llama.cpp's fallback: runs of punctuation (`[\p{P}$+<=>^~|]+`), then GPT-2, then
    /// runs of numbers, then ASCII digits in threes.
    case `default`
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`,
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3
    /// Qwen 2: as Llama 3 but every number code point on its own (`\p{N}`).
    case qwen2
    /// SmolLM (and StarCoder): every number code point on its own, then GPT-2.
    case smollm

    /// The kind for a GGUF `tokenizer.ggml.pre` name, including llama.cpp's other names
    /// that share one of these regexes. Nil for names this module does not implement.
    public init?(ggufName name: String) {
        if Self.llama3Names.contains(name) || name == "dbrx" || name == "smaug-bpe" {
            self = .llama3
            return
        }
        switch name {
        case "gpt2", "gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "granite-docling",
             "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "gigachat", "a.x-4.0", "mellum",
             "modern-bert", "exaone4":
            self = .gpt2
        case "default":
            self = .default
        case "qwen2", "deepseek-r1-qwen", "megrez", "kormo", "f2llmv2", "stablelm2", "hunyuan",
             "solar-open":
            self = .qwen2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b",
             "mellum2":
            self = .smollm
        default:
            return nil
        }
    }

    /// GGUF names for which llama.cpp skips merges of whole-token words and adds BOS
    /// unless the file says otherwise (Llama 3 and its relatives).
    static let llama3Names: Set<String> = [
        "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
    ]

    /// Whether a word that is already a whole vocabulary token skips the merges
    /// (Llama 3's `ignore_merges`); the default when a file does not say.
    public var ignoresMerges: Bool { self == .llama3 }

    var steps: [PreTokenizerStep] {
        switch self {
        case .gpt2: return [.gpt2]
        case .default:
            return [.runs(.defaultPunctuation, maxLength: .max), .gpt2,
                    .runs(.number, maxLength: .max), .runs(.asciiDigit, maxLength: 3)]
        case .llama3: return [.llama3(maxDigits: 3)]
        case .qwen2: return [.llama3(maxDigits: 1)]
        case .smollm: return [.runs(.number, maxLength: 1), .gpt2]
        }
    }
}

enum RunClass {
    case number, asciiDigit, defaultPunctuation
}

enum PreTokenizerStep {
    /// Runs of a class become pieces, cut every `maxLength` code points (ASCII digits:
    /// exactly `maxLength`-long matches only).
    case runs(RunClass, maxLength: Int)
    case gpt2
    case llama3(maxDigits: Int)
}

/// A text fragment decoded to code points with their classes and UTF-8 offsets.
struct CodePoints {
    var scalars: [UInt32] = []
    var flags: [UInt8] = []
    /// Byte offset of each code point in the fragment, plus the end offset.
    var offsets: [Int] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        scalars.reserveCapacity(bytes.count)
        flags.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = 0
        let n = bytes.count
        while i < n {
            offsets.append(i)
            let b0 = UInt32(bytes[i])
            var value: UInt32 = 0xFFFD
            var length = 1
            if b0 < 0x80 {
                value = b0
            } else if b0 & 0xE0 == 0xC0, i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 {
                value = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                length = 2
            } else if b0 & 0xF0 == 0xE0, i + 2 < n, bytes[i + 1] & 0xC0 == 0x80,
                      bytes[i + 2] & 0xC0 == 0x80 {
                value = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6
                    | UInt32(bytes[i + 2] & 0x3F)
                length = 3
            } else if b0 & 0xF8 == 0xF0, i + 3 < n, bytes[i + 1] & 0xC0 == 0x80,
                      bytes[i + 2] & 0xC0 == 0x80, bytes[i + 3] & 0xC0 == 0x80 {
                value = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                    | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                length = 4
            }
            scalars.append(value)
            flags.append(UnicodeClass.flags(value))
            i += length
        }
        offsets.append(n)
    }
}

extension PreTokenizerKind {
    /// Cuts UTF-8 text into pre-tokens; returns byte ranges into `bytes`, in order,
    /// covering all of it.
    func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        if bytes.isEmpty { return [] }
        let text = CodePoints(bytes)
        var pieces: [Range<Int>] = [0..<text.scalars.count]
        var next: [Range<Int>] = []
        for step in steps {
            next.removeAll(keepingCapacity: true)
            next.reserveCapacity(pieces.count * 2)
            text.scalars.withUnsafeBufferPointer { scalars in
                text.flags.withUnsafeBufferPointer { flags in
                    for piece in pieces {
                        switch step {
                        case .runs(let runClass, let maxLength):
                            splitRuns(piece, runClass, maxLength, scalars, flags, &next)
                        case .gpt2:
                            splitGPT2(piece, scalars, flags, &next)
                        case .llama3(let maxDigits):
                            splitLlama3(piece, maxDigits, scalars, flags, &next)
                        }
                    }
                }
            }
            swap(&pieces, &next)
        }
        return pieces.map { text.offsets[$0.lowerBound]..<text.offsets[$0.upperBound] }
    }

    /// Pre-tokens of a string, as strings (for inspection and tests).
    public func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            split(buffer).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
    }
}
