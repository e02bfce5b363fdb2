// Generation from text, with a tokenizer doing the encoding, the decoding
// and the end-of-generation ids.

import Tokenizer

extension LlamaModel {
    /// Generates a continuation of `prompt` text.
    ///
    /// The prompt is encoded with special tokens parsed (`<|im_start|>` becomes
    /// its id, as llama.cpp does) and BOS added as the tokenizer's flags say.
    /// Generation stops at the model's EOS ids and the tokenizer's EOS/EOT
    /// (unless `options.stopTokenIds` is given). Text is decoded without
    /// rendering control tokens.
    public func generate(
        text prompt: String,
        tokenizer: any Tokenizer,
        parseSpecial: Bool = true,
        options: GenerationOptions = .init(),
        onText: ((String) -> Bool)? = nil
    ) throws -> GenerationResult {
        let ids = tokenizer.encode(prompt, parseSpecial: parseSpecial, addSpecial: true).map(Int.init)
        var options = options
        if options.stopTokenIds == nil {
            options.stopTokenIds = Set(config.eosTokenIds + endOfGenerationIds(tokenizer))
        }
        return try generate(
            prompt: ids, options: options,
            decode: { tokenizer.decode($0.map { Int32(truncatingIfNeeded: $0) }, renderSpecial: false) },
            onText: onText)
    }

    /// The tokenizer's EOS and EOT ids.
    func endOfGenerationIds(_ tokenizer: any Tokenizer) -> [Int] {
        [tokenizer.specialTokens.eos, tokenizer.specialTokens.eot].compactMap { $0 }.map(Int.init)
    }
}
