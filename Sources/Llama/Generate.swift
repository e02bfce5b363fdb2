// Text generation with a KV cache: the prompt in one pass (in chunks), then
// one token at a time until an end-of-sequence token, a stop string or the
// token limit.

import Foundation
import Tensor

/// Why generation ended.
public enum StopReason: String, Sendable, Codable, Equatable {
    /// An end-of-sequence / end-of-turn token was produced.
    case eos
    /// The decoded text contains one of the stop strings.
    case stopString = "stop_string"
    /// `maxNewTokens` were produced, the context was full, or `onText` asked to stop.
    case length
}

/// What to generate and when to stop.
public struct GenerationOptions: Sendable, Equatable {
    public var maxNewTokens: Int
    public var sampling: SamplingOptions
    /// Tokens that end generation (they are not part of the result). nil: the
    /// model's `eosTokenIds`.
    public var stopTokenIds: Set<Int>?
    /// Texts that end generation when they appear in the decoded output; the
    /// result's text is cut just before the first one.
    public var stopStrings: [String]
    /// Tokens per prompt pass (bounds the attention scratch for long prompts).
    public var promptChunk: Int

    public init(maxNewTokens: Int = 128, sampling: SamplingOptions = .init(), stopTokenIds: Set<Int>? = nil,
                stopStrings: [String] = [], promptChunk: Int = 512) {
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopTokenIds = stopTokenIds
        self.stopStrings = stopStrings
        self.promptChunk = promptChunk
    }
}

/// The outcome of `generate`.
public struct GenerationResult: Sendable, Equatable {
    public var promptTokens: [Int]
    /// Generated tokens (without the stop token that ended generation).
    public var tokens: [Int]
    /// Decoded text of `tokens`, cut before a stop string.
    public var text: String
    public var stopReason: StopReason
    /// Seconds spent on the prompt and on generating, for tokens-per-second figures.
    public var promptSeconds: Double
    public var generationSeconds: Double
}

extension LlamaModel {
    /// Generates a continuation of `prompt`.
    ///
    /// - Parameters:
    ///   - decode: token ids to text (the tokenizer); used for stop strings and the result's text.
    ///   - onText: called with each new piece of text as it becomes final (text that
    ///     could still turn into a stop string is held back); return false to stop
    ///     (the reason is then `length`).
    public func generate(
        prompt: [Int],
        options: GenerationOptions = .init(),
        decode: ([Int]) -> String = { _ in "" },
        onText: ((String) -> Bool)? = nil
    ) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw LlamaError.invalidInput("generation needs at least one prompt token") }
        let V = config.vocabSize
        // The context holds the model's positions (at least the prompt and one more token).
        let context = max(config.maxPositionEmbeddings, prompt.count + 1)
        guard prompt.count < max(config.maxPositionEmbeddings, 1 << 16) else {
            throw LlamaError.invalidInput(
                "a prompt of \(prompt.count) tokens is longer than "
                    + "the model's context of \(config.maxPositionEmbeddings)")
        }
        let capacity = min(prompt.count + max(options.maxNewTokens, 0), context)
        let cache = KVCache(config: config, capacity: capacity)
        let chunk = max(1, min(options.promptChunk, prompt.count))
        let acts = makeActivations(rows: chunk, keys: capacity, logitRows: 1)
        let stopIds = options.stopTokenIds ?? Set(config.eosTokenIds)
        var sampler = Sampler(options: options.sampling)

        let start = Date()
        let tokens32 = prompt.map { Int32(truncatingIfNeeded: $0) }
        var begin = 0
        while begin < prompt.count {
            let n = min(chunk, prompt.count - begin)
            try tokens32.withUnsafeBufferPointer { p in
                try forward(tokens: p.baseAddress! + begin, count: n, cache: cache, activations: acts)
            }
            begin += n
        }
        let promptDone = Date()

        var seen = prompt  // what the repetition penalty looks at
        var generated: [Int] = []
        var text = ""
        var emitted = 0  // characters of `text` already passed to onText
        var reason = StopReason.length
        var next32: Int32 = 0
        while generated.count < options.maxNewTokens {
            let token = sampler.sample(acts.logits, V, context: seen)
            if stopIds.contains(token) {
                reason = .eos
                break
            }
            generated.append(token)
            seen.append(token)
            if !options.stopStrings.isEmpty || onText != nil {
                text = decode(generated)
                if let cut = firstStop(in: text, options.stopStrings) {
                    text = String(text[..<cut])
                    reason = .stopString
                    if let onText, text.count > emitted { _ = onText(String(text.dropFirst(emitted))) }
                    emitted = text.count
                    break
                }
                if let onText {
                    let safe = text.count - heldBack(text, options.stopStrings)
                    if safe > emitted {
                        let piece = String(text.dropFirst(emitted).prefix(safe - emitted))
                        emitted = safe
                        if !onText(piece) { break }
                    }
                }
            }
            if generated.count == options.maxNewTokens || cache.count == capacity { break }
            next32 = Int32(truncatingIfNeeded: token)
            try forward(tokens: &next32, count: 1, cache: cache, activations: acts)
        }
        if reason != .stopString { text = decode(generated) }
        if let onText, reason != .stopString, text.count > emitted { _ = onText(String(text.dropFirst(emitted))) }
        let end = Date()
        return GenerationResult(promptTokens: prompt, tokens: generated, text: text, stopReason: reason,
                                promptSeconds: promptDone.timeIntervalSince(start),
                                generationSeconds: end.timeIntervalSince(promptDone))
    }
}

/// Where the earliest stop string starts in `text`, if any.
func firstStop(in text: String, _ stops: [String]) -> String.Index? {
    var best: String.Index?
    for s in stops where !s.isEmpty {
        if let r = text.range(of: s), best.map({ r.lowerBound < $0 }) ?? true { best = r.lowerBound }
    }
    return best
}

/// Characters at the end of `text` to hold back while streaming: an incomplete
/// UTF-8 sequence (shown as U+FFFD) or the beginning of a stop string.
func heldBack(_ text: String, _ stops: [String]) -> Int {
    var hold = 0
    if text.hasSuffix("\u{FFFD}") { hold = 1 }
    for s in stops where !s.isEmpty {
        var k = min(s.count - 1, text.count)
        while k > hold {
            if text.hasSuffix(String(s.prefix(k))) {
                hold = k
                break
            }
            k -= 1
        }
    }
    return hold
}
