// Generation from text, with a tokenizer doing the encoding, the decoding
// and the end-of-generation ids.

import Tokenizer

extension LlamaModel {
    /// Generates a continuation of `prompt` text.
    ///
    /// The prompt is encoded with special tokens parsed (`<|im_start|>` becomes
    /// its id, as llama.cpp does) and BOS added as the tokenizer's flags say.
    /// Generation stops at the model's EOS ids and the tokenizer's
    /// end-of-generation ids (EOS, EOT, `<|im_end|>`, ...) unless
    /// `options.stopTokenIds` is given. Text is decoded without
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
            options.stopTokenIds = Set(config.eosTokenIds + tokenizer.endOfGenerationIDs.map(Int.init))
        }
        return try generate(
            prompt: ids, options: options,
            decode: { tokenizer.decode($0.map { Int32(truncatingIfNeeded: $0) }, renderSpecial: false) },
            onText: onText)
    }
}
