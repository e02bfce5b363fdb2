import Foundation
import JSON
import Random

/// What one case came to.
enum Verdict: Equatable {
    /// Success, or a failure with a usage (64) or run (1) status that says where the problem is.
    case clean
    /// Killed by a signal (a trap, an abort, a segfault).
    case crash(String)
    /// Outlived the hang limit and was killed.
    case hang
    /// Any other status, or a failure that names no place: JSON path, file and line, byte offset.
    case unclean(String)
}

/// One generated input: the files a case writes, the command that reads them, and the names a
/// failure's message may point at.
struct FuzzCase {
    var inputClass: InputClass
    var seed: UInt64
    /// Relative path -> bytes.
    var files: [String: [UInt8]]
    var arguments: [String]
    var places: [String]

    /// The case `seed` of `inputClass`.
    init(_ inputClass: InputClass, seed: UInt64) {
        self.inputClass = inputClass
        self.seed = seed
        var rng = inputClass.generator(seed)
        let mutations = InputClass.mutationCount(&rng)
        switch inputClass {
        case .manifest:
            var bytes = FuzzCorpus.manifests[rng.next(below: FuzzCorpus.manifests.count)]
            for _ in 0..<mutations { Self.mutateJSON(&bytes, &rng) }
            files = ["pipelines/fuzz.json": bytes]
            arguments = ["validate", "fuzz.json"]
            places = ["fuzz.json"]
        case .csv, .jsonl, .json:
            let seeds = FuzzCorpus.data.filter { $0.name.hasSuffix("." + inputClass.rawValue) }
            let seed = seeds[rng.next(below: seeds.count)]
            var bytes = seed.bytes
            for _ in 0..<mutations {
                if rng.next(below: 4) == 0 {
                    ByteMutator.mutate(&bytes, &rng)
                } else if inputClass == .json {
                    Self.mutateJSON(&bytes, &rng)
                } else {
                    var text = String(decoding: bytes, as: UTF8.self)
                    LineMutator.mutate(&text, &rng)
                    bytes = Array(text.utf8)
                }
            }
            let name = "data." + inputClass.rawValue
            let onError = rng.next(below: 3) == 0 ? #", "on_error": "skip""# : ""
            let manifest = """
                {"name": "fuzz", "stages": {
                  "records": {"kind": "load", "params": {"dataset": "\(name)", \(seed.load)\(onError)}},
                  "augmented": {"kind": "augment", "inputs": {"dataset": "records"}, "params": {\(seed.augment)}}}}
                """
            files = [name: bytes, "fuzz.json": Array(manifest.utf8)]
            arguments = ["run", "fuzz.json", "--quiet"]
            places = [name]
        case .gguf, .ggufCLI:
            let pick = rng.next(below: FuzzCorpus.ggufFiles.count)
            var bytes = FuzzCorpus.ggufFiles[pick]
            for _ in 0..<mutations { GGUFMutator.mutate(&bytes, layout: FuzzCorpus.ggufLayouts[pick], &rng) }
            files = ["fuzz.gguf": bytes]
            arguments = ["generate", "--model", "fuzz.gguf", "--prompt", "hi", "--max-new-tokens", "2"]
            places = ["fuzz.gguf"]
        case .safetensors, .safetensorsCLI:
            var bytes = FuzzCorpus.safetensors
            var config = FuzzCorpus.config
            var tokenizer = FuzzCorpus.tokenizerJSON
            for _ in 0..<mutations {
                switch inputClass == .safetensorsCLI ? rng.next(below: 6) : 0 {
                case 4: Self.mutateJSON(&config, &rng)
                case 5: Self.mutateJSON(&tokenizer, &rng)
                default: SafetensorsMutator.mutate(&bytes, &rng)
                }
            }
            files = ["model/model.safetensors": bytes, "model/config.json": config, "model/tokenizer.json": tokenizer]
            arguments = ["generate", "--model", "model", "--prompt", "hi", "--max-new-tokens", "2"]
            places = ["model.safetensors", "config.json", "tokenizer"]
        }
    }

    /// A structural edit when the bytes parse as JSON (the usual case), else a byte-level one.
    static func mutateJSON(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard rng.next(below: 6) != 0, let value = try? JSONParser.parse(Data(bytes)) else {
            ByteMutator.mutate(&bytes, &rng)
            return
        }
        var document = FuzzJSON(value)
        JSONMutator.mutate(&document, &rng)
        bytes = Array(document.text.utf8)
    }

    /// Writes the case's files under `folder`.
    func write(into folder: URL) throws {
        for (path, bytes) in files {
            let url = folder.appendingPathComponent(path)
            let parent = url.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }
}
