import Datasets
import Foundation
import ModelArtifacts
import JSON
import PipeCache
import PipeCore
import Testing
import TestSupport
import Tokenizer
import TokenizeStage

let packageRoot = TestPaths.packageRoot
let demoModel = TestPaths.demoModel

/// A dataset artifact and a model artifact in a temporary folder, and a way to run `tokenize` on them.
struct Bench {
    let root: URL

    init() throws {
        root = try makeTemporaryFolder("tokenize")
    }

    func dataset(_ shape: RecordShape, _ splits: [String: [JSONValue]]) throws -> Artifact {
        let folder = root.appendingPathComponent("dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let writer = try DatasetWriter(folder: folder, shape: shape)
        for (name, records) in splits.sorted(by: { $0.key > $1.key }) {
            try writer.addSplit(name)
            for record in records { try writer.append(try #require(Record(json: record)), to: name) }
        }
        _ = try writer.finish()
        return Artifact(type: "dataset", folder: folder, key: "d", digest: Digest.of("d"), producer: "data")
    }

    func model() throws -> Artifact {
        let folder = root.appendingPathComponent("model")
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ModelLoader.describe(demoModel).write(to: folder)
        }
        return Artifact(type: "model", folder: folder, key: "m", digest: Digest.of("m"), producer: "base")
    }

    /// A model artifact of the demo model as a trained model would describe it, with its training's rendering.
    func trainedModel(_ chat: TrainedChat) throws -> Artifact {
        let folder = root.appendingPathComponent("trained-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var artifact = try ModelLoader.describe(demoModel)
        artifact.chat = chat
        try artifact.write(to: folder)
        return Artifact(type: "model", folder: folder, key: "t", digest: Digest.of("t"), producer: "trained")
    }

    func tokenize(_ dataset: Artifact, _ params: JSONValue, model: Artifact? = nil) async throws -> TokenizedDataset {
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let decoded = try TokenizeStage.Params.decode(params)
        let context = StageContext(stageID: "tokens", key: "k", outputFolder: out, checkpointFolder: root.appendingPathComponent("ck"), manifestFolder: root)
        let inputs = StageInputs(["dataset": dataset, "model": try model ?? self.model()])
        try await TokenizeStage().run(decoded, inputs: inputs, context: context)
        return try TokenizedDataset.read(from: out)
    }
}

func params(_ extra: [(key: String, value: JSONValue)] = []) -> JSONValue {
    var base: [(key: String, value: JSONValue)] = [("template", "chatml"), ("max_length", 256), ("truncation", "cut"), ("train_on", "completion"), ("packing", false)]
    for (key, value) in extra { base.removeAll { $0.key == key }; base.append((key, value)) }
    return .object(base)
}

let tokenizer = try! BPETokenizer(contentsOf: demoModel)

func text(_ ids: some Sequence<Int32>) -> String { tokenizer.decode(Array(ids), renderSpecial: true) }

@Suite("tokenize")
struct TokenizeStageTests {
    @Test("an Alpaca record is rendered with ChatML, the prompt masked and the answer trained with <|im_end|>")
    func alpacaMasked() async throws {
        let bench = try Bench()
        let data = try bench.dataset(.alpaca, ["train": [["instruction": "用药指导", "input": "血糖9.8", "output": "建议复查"]]])
        let result = try await bench.tokenize(data, params())
        let example = try #require(result.splits["train"]?.first)
        #expect(text(example.tokens) == "<|im_start|>user\n用药指导\n血糖9.8<|im_end|>\n<|im_start|>assistant\n建议复查<|im_end|>")
        let trained = zip(example.tokens, example.labels).filter { $0.1 != -100 }.map(\.0)
        #expect(text(trained) == "建议复查<|im_end|>")
        #expect(zip(example.tokens, example.labels).allSatisfy { $1 == -100 || $0 == $1 })
        #expect(result.info.split(named: "train")?.trainedTokens == trained.count)
    }

    @Test("train_on all keeps every label")
    func trainOnAll() async throws {
        let bench = try Bench()
        let data = try bench.dataset(.completion, ["train": [["prompt": "Q", "completion": "A"]]])
        let result = try await bench.tokenize(data, params([("train_on", "all")]))
        let example = try #require(result.splits["train"]?.first)
        #expect(example.labels == example.tokens)
    }

    @Test("packing is recorded for the trainer; the examples themselves stay one per record")
    func packingRecorded() async throws {
        let bench = try Bench()
        let data = try bench.dataset(.completion, ["train": [["prompt": "Q", "completion": "A"], ["prompt": "R", "completion": "B"]]])
        let packed = try await bench.tokenize(data, params([("packing", true)]))
        let plain = try await bench.tokenize(data, params([]))
        #expect(packed.info.packing == true && plain.info.packing == false)
        #expect(packed.splits == plain.splits)
    }

    @Test("every assistant turn of a conversation is trained, each user turn masked")
    func multiTurn() async throws {
        let bench = try Bench()
        let messages: JSONValue = ["messages": [["role": "user", "content": "one"], ["role": "assistant", "content": "two"],
                                                ["role": "user", "content": "three"], ["role": "assistant", "content": "four"]]]
        let result = try await bench.tokenize(try bench.dataset(.messages, ["train": [messages]]), params())
        let example = try #require(result.splits["train"]?.first)
        let full = tokenizer.encode("<|im_start|>user\none<|im_end|>\n<|im_start|>assistant\ntwo<|im_end|>\n<|im_start|>user\nthree<|im_end|>\n<|im_start|>assistant\nfour<|im_end|>", parseSpecial: true)
        #expect(example.tokens == full)
        let trained = zip(example.tokens, example.labels).filter { $0.1 != -100 }.map(\.0)
        #expect(text(trained) == "two<|im_end|>four<|im_end|>")
    }

    @Test("long examples are cut to max_length or dropped, and counted")
    func truncation() async throws {
        let bench = try Bench()
        let long = String(repeating: "很长的回答。", count: 40)
        let data = try bench.dataset(.completion, ["train": [["prompt": "Q", "completion": .string(long)], ["prompt": "Q", "completion": "A"]]])
        let cut = try await bench.tokenize(data, params([("max_length", 20)]))
        #expect(cut.splits["train"]?.map(\.tokens.count).max() == 20)
        #expect(cut.info.split(named: "train")?.truncated == 1)
        let dropped = try await bench.tokenize(data, params([("max_length", 20), ("truncation", "drop")]))
        #expect(dropped.splits["train"]?.count == 1 && dropped.info.split(named: "train")?.dropped == 1)
    }

    @Test("text records are trained whole and end with EOS; splits stay apart")
    func textRecords() async throws {
        let bench = try Bench()
        let data = try bench.dataset(.text, ["train": [["text": "现金流量表分析"]], "eval": [["text": "计算ROIC"]]])
        let result = try await bench.tokenize(data, params())
        let example = try #require(result.splits["train"]?.first)
        #expect(example.tokens.last == tokenizer.specialTokens.eos && example.labels == example.tokens)
        #expect(result.splits["eval"]?.count == 1)
    }

    @Test("the same input gives the same bytes")
    func deterministic() async throws {
        let bench = try Bench()
        let data = try bench.dataset(.alpaca, ["train": (0..<20).map { i in ["instruction": "诊断", "input": .string("患者\(i)"), "output": .string("建议\(i)")] }])
        let a = try await bench.tokenize(data, params())
        let b = try await bench.tokenize(data, params())
        #expect(a == b)
    }
}
