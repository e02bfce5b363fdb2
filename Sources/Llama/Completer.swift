// Asking a model for a completion: the prompt wrapped as a user turn in a chat template (or
// taken as raw text), encoded by the tokenizer, and generated until one of the tokenizer's
// end-of-generation ids, a stop string or the token limit. `pipe generate` and the evaluate
// stage both ask through it, so the same prompt, seed and settings give the same answer.

import Tokenizer

/// A model, its tokenizer, how prompts are rendered, and how to generate.
public struct Completer {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    /// The template a prompt is wrapped in as a user turn, with the assistant's turn opened;
    /// nil: the prompt is raw text, in which special tokens such as `<|im_start|>` are parsed
    /// (as llama.cpp does).
    public var template: ChatTemplate?
    /// The system turn for chat prompts: nil writes the template's own (if any), "" writes none.
    public var system: String?
    /// `stopTokenIds` nil: the model's EOS ids and the tokenizer's end-of-generation ids.
    public var options: GenerationOptions

    public init(model: LlamaModel, tokenizer: any Tokenizer, template: ChatTemplate? = nil, system: String? = nil,
                options: GenerationOptions = .init()) {
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.system = system
        self.options = options
    }

    /// The text the model continues.
    public func render(_ prompt: String) -> String {
        guard let template else { return prompt }
        return template.withSystemPrompt(system)
            .render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true)
    }

    /// The token ids of the rendered prompt, BOS added as the tokenizer's flags say.
    public func encode(_ prompt: String) -> [Int] {
        tokenizer.encode(render(prompt), parseSpecial: true, addSpecial: true).map(Int.init)
    }

    /// The ids that end generation.
    public var stopTokenIds: Set<Int> {
        options.stopTokenIds ?? Set(model.config.eosTokenIds).union(tokenizer.endOfGenerationIDs.map(Int.init))
    }

    /// The answer to `prompt`.
    ///
    /// - Parameter onText: called with each new piece of text as it becomes final; return false
    ///   to stop.
    public func complete(_ prompt: String, onText: ((String) -> Bool)? = nil) throws -> GenerationResult {
        try complete(tokens: encode(prompt), onText: onText)
    }

    /// The continuation of prompt ids that are already rendered and encoded.
    public func complete(tokens prompt: [Int], onText: ((String) -> Bool)? = nil) throws -> GenerationResult {
        var options = options
        options.stopTokenIds = stopTokenIds
        let tokenizer = tokenizer
        let decode = { (ids: [Int]) in tokenizer.decodeCompleteText(ids.map { Int32(truncatingIfNeeded: $0) }) }
        return try model.generate(prompt: prompt, options: options, decode: decode, onText: onText)
    }
}
