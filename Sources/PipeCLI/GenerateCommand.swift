import ArgumentParser
import Foundation
import Llama
import ModelArtifacts
import Tensor

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a model (GGUF file, Hugging Face folder, or MANIFEST:STAGE).",
        discussion: "The prompt parses special tokens such as <|im_start|>, as llama.cpp does; "
            + "--chat wraps it in the model's chat template instead (for a trained MANIFEST:STAGE, "
            + "the template and system prompt it was trained with). Temperature 0 is greedy."
    )

    @Option(name: .long, help: "A GGUF file, a Hugging Face folder, or MANIFEST:STAGE.")
    var model: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A LoRA adapter to apply: a PEFT folder or MANIFEST:STAGE, "
                + "with an optional :WEIGHT (repeatable; the weighted sum equals the merge stage's model).",
            valueName: "adapter[:weight]"))
    var adapter: [String] = []

    @Option(name: .long, help: "The prompt.")
    var prompt: String

    @Flag(name: .long, help: "Wrap the prompt as a user turn in the model's chat template.")
    var chat = false

    @Option(name: .long,
            help: "System prompt for --chat (default: the one of training, else the template's own; \"\" for none).")
    var system: String?

    @Option(name: .long, help: "Most tokens to generate.")
    var maxNewTokens: Int = 128

    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(name: .long, help: "Sample from the k most likely tokens (0: all).")
    var topK: Int = 0

    @Option(name: .long, help: "Nucleus sampling: the smallest set of tokens whose probability reaches p.")
    var topP: Float = 1

    @Option(name: .long, help: "Penalty > 1 for tokens already in the context.")
    var repetitionPenalty: Float = 1

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Stop when the text contains this string (repeatable), e.g. [END].")
    var stop: [String] = []

    @Flag(name: .long,
          help: "Print one JSON object: prompt_tokens, tokens, text, stop_reason, tokens_per_second, kernels.")
    var json = false

    func validate() throws {
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be >= 0") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be >= 0") }
        guard topK >= 0 else { throw ValidationError("--top-k must be >= 0") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard repetitionPenalty > 0 else { throw ValidationError("--repetition-penalty must be > 0") }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
    }

    struct Output: Encodable {
        var prompt_tokens: [Int]
        var tokens: [Int]
        var text: String
        var stop_reason: String
        var tokens_per_second: Double
        /// The kernel set the matrix-vector products ran with (chosen at start from cpuid): avx2 or avx512.
        var kernels: String
    }

    func run() async throws {
        let loaded = try ModelLocator.open(model)
        for reference in adapter {
            loaded.model.adapters.append(try ModelLocator.openAdapter(reference, config: loaded.model.config))
        }
        let options = GenerationOptions(
            maxNewTokens: maxNewTokens,
            sampling: SamplingOptions(
                temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, seed: seed),
            stopStrings: stop)
        let completer = Completer(model: loaded.model, tokenizer: loaded.tokenizer,
                                  template: chat ? loaded.chatTemplate : nil, system: system, options: options)
        let stream: ((String) -> Bool)? = json ? nil : { piece in
            StandardStreams.writeOutput(piece)
            return true
        }
        let result = try completer.complete(prompt, onText: stream)
        let rate = result.generationSeconds > 0 ? Double(result.tokens.count) / result.generationSeconds : 0
        if json {
            try printJSON(Output(prompt_tokens: result.promptTokens, tokens: result.tokens, text: result.text,
                                 stop_reason: result.stopReason.rawValue, tokens_per_second: rate,
                                 kernels: KernelSet.best.rawValue))
        } else {
            print("")
            printError(
                String(
                    format: "[%d prompt tokens, %d generated, %.1f tokens/s, stop: %@]", result.promptTokens.count,
                    result.tokens.count, rate, result.stopReason.rawValue))
        }
    }
}
