import Foundation
import Random
import Testing

/// The kinds of input a user hands `pipe`, each with how its cases are made and run.
enum InputClass: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Manifests through `pipe validate`.
    case manifest
    /// CSV files through `pipe run` of a `load` and an `augment` stage.
    case csv
    /// JSONL files, likewise.
    case jsonl
    /// JSON array files, likewise.
    case json
    /// GGUF files parsed in this process: file, tokenizer, model, every tensor's floats.
    case gguf
    /// GGUF files through `pipe generate --model FILE`.
    case ggufCLI = "gguf-cli"
    /// safetensors files parsed in this process, every tensor read as floats.
    case safetensors
    /// Hugging Face folders (config.json and model.safetensors) through `pipe generate --model FOLDER`.
    case safetensorsCLI = "safetensors-cli"

    var testDescription: String { rawValue }

    /// Cases per run of the test suite (scaled by `PIPE_FUZZ_SCALE`): subprocess classes are
    /// dearer than in-process ones.
    var suiteCases: Int {
        switch self {
        case .manifest: return 80
        case .csv, .jsonl, .json: return 30
        case .ggufCLI, .safetensorsCLI: return 20
        case .gguf, .safetensors: return 300
        }
    }

    var usesSubprocess: Bool { ![.gguf, .safetensors].contains(self) }

    /// The generator of case `seed`: the same seed always makes the same input.
    func generator(_ seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed, stream: "fuzz:" + rawValue) }

    /// How many mutations a case stacks (1 to 3).
    static func mutationCount(_ rng: inout SplitMix64) -> Int { 1 + rng.next(below: 3) }
}
