import Foundation
import Testing
import TestSupport

/// Two LoRA adapters of one tiny base (and one of another base), merged and concatenated.
func mixingProject(extraStages: String = "") throws -> Project {
    let project = try Project()
    let root = PipeProcess.packageRoot
    let model = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    func lora(_ id: String, base: String, seed: Int, targets: String) -> String {
        """
        "\(id)": { "kind": "train", "inputs": { "model": "\(base)", "dataset": "tokens" },
                   "params": { "method": "lora", "r": 4, "alpha": 8, "targets": [\(targets)], "max_steps": 3, "lr": 0.01,
                               "batch_size": 4, "seed": \(seed), "checkpoint_every": 0 } },
        """
    }
    try project.write("mixing.json", """
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/medical.jsonl", "format": "alpaca" } },
            "tiny": { "kind": "load", "params": { "model": { "init": { "layers": 2, "width": 64, "heads": 4, "kv_heads": 2, "ffn": 128 },
                                                             "tokenizer": "\(model)", "seed": 0 } } },
            "other": { "kind": "load", "params": { "model": { "init": { "layers": 2, "width": 64, "heads": 4, "kv_heads": 2, "ffn": 128 },
                                                              "tokenizer": "\(model)", "seed": 1 } } },
            "tokens": { "kind": "tokenize", "inputs": { "dataset": "records", "model": "tiny" }, "params": { "template": "chatml", "max_length": 64 } },
            \(lora("first", base: "tiny", seed: 1, targets: #""q_proj", "v_proj""#))
            \(lora("second", base: "tiny", seed: 2, targets: #""v_proj", "o_proj", "down_proj""#))
            \(lora("stranger", base: "other", seed: 3, targets: #""q_proj""#))
            \(extraStages)
            "merged": { "kind": "merge", "inputs": { "model": "tiny", "adapters": ["first", "second"] }, "params": { "weights": [0.6, 1.4] } },
            "cat": { "kind": "merge", "inputs": { "model": "tiny", "adapters": ["first", "second"] },
                     "params": { "weights": [0.6, 1.4], "combine": "cat" } }
        } }
        """)
    try project.write("data/medical.jsonl", String(contentsOf: root.appendingPathComponent("pipelines/data/medical.jsonl"), encoding: .utf8))
    return project
}

@Suite("Merging adapters", .serialized)
struct MergePipelineTests {
    @Test("merged and concatenated adapters generate what the base with the weighted adapters generates")
    func mergeEqualsWeightedAdapters() throws {
        let project = try mixingProject()
        defer { project.remove() }
        let run = try project.pipe("run", "mixing.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let generate = ["generate", "--prompt", "急性心梗", "--max-new-tokens", "12", "--json"]
        let reference = try project.pipe(["generate", "--model", "mixing.json:tiny", "--adapter", "mixing.json:first:0.6",
                                          "--adapter", "mixing.json:second:1.4"] + generate.dropFirst())
        #expect(reference.status == 0, "\(reference.stderr)")
        let merged = try project.pipe(["generate", "--model", "mixing.json:merged"] + generate.dropFirst())
        let cat = try project.pipe(["generate", "--model", "mixing.json:tiny", "--adapter", "mixing.json:cat"] + generate.dropFirst())
        let base = try project.pipe(["generate", "--model", "mixing.json:tiny"] + generate.dropFirst())
        func tokens(_ result: PipeProcess.Result) throws -> [Int] {
            try #require((try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["tokens"] as? [Int])
        }
        #expect(try tokens(merged) == tokens(reference))
        #expect(try tokens(cat) == tokens(reference))
        #expect(try tokens(base) != tokens(reference), "the adapters change nothing; the test cannot tell a merge from none")
    }

    @Test("an adapter trained on another base is refused, naming both bases")
    func otherBaseIsRefused() throws {
        let project = try mixingProject(extraStages: #""wrong": { "kind": "merge", "inputs": { "model": "tiny", "adapters": ["first", "stranger"] } },"#)
        defer { project.remove() }
        let run = try project.pipe("run", "mixing.json", "--until", "wrong")
        #expect(run.status == 1)
        #expect(run.stderr.contains("adapter \"stranger\" was trained on") && run.stderr.contains("not on \"tiny\""), "\(run.stderr)")
    }

    @Test("weights must match the adapters, and the adapters port takes only adapters")
    func badWiring() throws {
        let project = try mixingProject(extraStages: #""bad": { "kind": "merge", "inputs": { "model": "tiny", "adapters": ["first", "records"] } },"#)
        defer { project.remove() }
        let result = try project.pipe("validate", "mixing.json")
        #expect(result.status == 64)
        #expect(result.stderr.contains("stages.bad.inputs.adapters") && result.stderr.contains("produces a dataset"), "\(result.stderr)")
    }
}

@Suite("Exporting models and adapters", .serialized)
struct ExportPipelineTests {
    static let exports = """
        "hf": { "kind": "export", "inputs": { "model": "merged" }, "params": { "format": "hf", "path": "out/merged-hf" } },
        "peft": { "kind": "export", "inputs": { "model": "first" }, "params": { "format": "peft", "path": "out/first-peft" } },
        "onnx": { "kind": "export", "inputs": { "model": "first" }, "params": { "format": "onnx", "path": "out/first-onnx" } },
        """

    @Test("exports are published at their paths, restored when deleted, and the hf folder generates what its stage does")
    func exportsArePublished() throws {
        let project = try mixingProject(extraStages: Self.exports)
        defer { project.remove() }
        let run = try project.pipe("run", "mixing.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let out = project.folder.appendingPathComponent("out")
        for file in ["merged-hf/config.json", "merged-hf/model.safetensors", "merged-hf/tokenizer.json", "merged-hf/tokenizer_config.json",
                     "first-peft/adapter_config.json", "first-peft/adapter_model.safetensors", "first-onnx/model.onnx"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let config = try String(contentsOf: out.appendingPathComponent("first-peft/adapter_config.json"), encoding: .utf8)
        #expect(!config.contains(project.folder.path) && !config.contains("\"/"), "\(config)")

        let generate = ["--prompt", "急性心梗", "--max-new-tokens", "12", "--json"]
        let fromStage = try project.pipe(["generate", "--model", "mixing.json:merged"] + generate)
        let fromExport = try project.pipe(["generate", "--model", "out/merged-hf"] + generate)
        #expect(fromExport.status == 0, "\(fromExport.stderr)")
        func tokens(_ result: PipeProcess.Result) -> [Int]? {
            (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["tokens"] as? [Int]
        }
        #expect(tokens(fromExport) != nil && tokens(fromExport) == tokens(fromStage))

        // Published again over itself (a forced or stale export): the old folder is replaced whole.
        try Data("stale".utf8).write(to: out.appendingPathComponent("merged-hf/stale.txt"))
        let forced = try project.pipe("run", "mixing.json", "--force", "hf")
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("merged-hf/stale.txt").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("merged-hf/model.safetensors").path))

        try FileManager.default.removeItem(at: out.appendingPathComponent("merged-hf"))
        let rerun = try project.pipe("run", "mixing.json", "--json")
        #expect(try rerun.statuses().values.allSatisfy { $0 == "cached" })
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("merged-hf/model.safetensors").path))
    }

    @Test("quantize reports size and perplexity; its GGUF export generates what the stage does; gguf-lora writes the adapter")
    func quantizeAndGGUF() throws {
        let project = try mixingProject(extraStages: """
            "q8": { "kind": "quantize", "inputs": { "model": "merged", "dataset": "tokens" }, "params": { "type": "q8_0", "split": "train" } },
            "q8eval": { "kind": "evaluate", "inputs": { "model": "q8", "dataset": "tokens" }, "params": { "prompts": ["急性心梗"], "max_new_tokens": 4, "references": 1 } },
            "gguf": { "kind": "export", "inputs": { "model": "q8" }, "params": { "format": "gguf", "path": "out/merged-q8_0.gguf" } },
            "f16": { "kind": "export", "inputs": { "model": "first" }, "params": { "format": "gguf", "type": "f16", "path": "out/first-f16.gguf" } },
            "lora": { "kind": "export", "inputs": { "model": "first" }, "params": { "format": "gguf-lora", "path": "out/first-lora.gguf" } },
            "qtrain": { "kind": "train", "inputs": { "model": "q8", "dataset": "tokens" },
                        "params": { "method": "qlora", "r": 2, "max_steps": 2, "batch_size": 4, "checkpoint_every": 0 } },
            "qtrain_eval": { "kind": "evaluate", "inputs": { "model": "qtrain", "dataset": "tokens", "base": "q8" },
                             "params": { "prompts": ["急性心梗"], "max_new_tokens": 4, "references": 1 } },
            """)
        defer { project.remove() }
        let run = try project.pipe("run", "mixing.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let shown = try project.pipe("show", "mixing.json", "q8", "--json")
        let content = (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["content"] as? [String: Any] ?? [:]
        let before = content["perplexity_before"] as? Double ?? 0, after = content["perplexity_after"] as? Double ?? 0
        #expect(before > 1 && after > 1 && abs(after / before - 1) < 0.05, "\(content)")
        #expect((content["bytes_after"] as? Double ?? 0) < (content["bytes_before"] as? Double ?? 0), "\(content)")
        let out = project.folder.appendingPathComponent("out")
        for file in ["merged-q8_0.gguf", "first-f16.gguf", "first-lora.gguf"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let generate = ["--prompt", "急性心梗", "--max-new-tokens", "12", "--json"]
        let fromStage = try project.pipe(["generate", "--model", "mixing.json:q8"] + generate)
        let fromFile = try project.pipe(["generate", "--model", "out/merged-q8_0.gguf"] + generate)
        func tokens(_ result: PipeProcess.Result) -> [Int]? {
            (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["tokens"] as? [Int]
        }
        #expect(tokens(fromFile) != nil && tokens(fromFile) == tokens(fromStage), "\(fromFile.stderr)\(fromStage.stderr)")
        // An adapter trained (QLoRA) on the quantized model opens over it: evaluate wires it as `base`,
        // generate finds it in the cache.
        let onQuantized = try project.pipe(["generate", "--model", "mixing.json:qtrain"] + generate)
        #expect(onQuantized.status == 0 && tokens(onQuantized) != nil, "\(onQuantized.stderr)")
    }

    @Test("an unknown format is refused at its JSON path; peft of a model fails naming the stage")
    func badExports() throws {
        let typo = try mixingProject(extraStages: """
            "typo": { "kind": "export", "inputs": { "model": "merged" }, "params": { "format": "gguff", "path": "out/y" } },
            """)
        defer { typo.remove() }
        let validate = try typo.pipe("validate", "mixing.json")
        #expect(validate.status == 64 && validate.stderr.contains("stages.typo.params.format"), "\(validate.stderr)")

        let wrong = try mixingProject(extraStages: """
            "wrong": { "kind": "export", "inputs": { "model": "merged" }, "params": { "format": "peft", "path": "out/x" } },
            """)
        defer { wrong.remove() }
        let run = try wrong.pipe("run", "mixing.json", "--until", "wrong")
        #expect(run.status == 1 && run.stderr.contains("format peft exports an adapter; stage \"merged\" produces a model"), "\(run.stderr)")
    }
}
