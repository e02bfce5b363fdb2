import Datasets
import EvaluateStage
import Foundation
import JSON
import Llama
import ModelArtifacts
import PipeCache
import PipeCore
import Testing
import TestSupport
import Tokenizer

/// The tiny reference adapter on the tiny GGUF as a trained adapter artifact, two tokenized eval
/// examples, and a way to run `evaluate` on them.
struct Bench {
    static let gguf = TestPaths.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf")
    let root: URL
    let tokenizer: BPETokenizer

    init() throws {
        root = try makeTemporaryFolder("evaluate")
        tokenizer = try BPETokenizer(contentsOf: Self.gguf)
    }

    func adapter(chat: TrainedChat?) throws -> Artifact {
        let folder = root.appendingPathComponent("adapter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.reference.appendingPathComponent("tiny/adapter"),
                                         to: folder.appendingPathComponent(AdapterArtifact.peftFolder))
        try AdapterArtifact(base: try ModelLoader.describe(Self.gguf), baseKey: "b", method: "lora", rank: 4, alpha: 8,
                            targets: ["q_proj"], chat: chat).write(to: folder)
        return Artifact(type: "adapter", folder: folder, key: "a", digest: Digest.of("a"), producer: "trained")
    }

    /// Prompt "<|im_start|>user\nQn<|im_end|>\n<|im_start|>assistant\n" masked, answer "An<|im_end|>" trained.
    var examples: [TokenizedDataset.Example] {
        (1...2).map { n in
            let turn = "<|im_start|>user\nQ\(n)<|im_end|>\n<|im_start|>assistant\n"
            let prompt = tokenizer.encode(turn, parseSpecial: true)
            let answer = tokenizer.encode("A\(n)<|im_end|>", parseSpecial: true)
            return TokenizedDataset.Example(tokens: prompt + answer,
                                            labels: prompt.map { _ in TokenizedDataset.ignoredLabel } + answer)
        }
    }

    func dataset(systemPrompt: String?) throws -> Artifact {
        let folder = root.appendingPathComponent("tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let split = TokenizedInfo.Split(name: "eval", examples: 2, tokens: examples.map(\.tokens.count).reduce(0, +),
                                        trainedTokens: 0, longest: 0, truncated: 0, dropped: 0)
        let info = TokenizedInfo(splits: [split], template: "chatml", systemPrompt: systemPrompt, maxLength: 64,
                                 trainOn: "completion", vocabularySize: 300, padID: 0)
        try TokenizedDataset(info: info, splits: ["eval": examples]).write(to: folder)
        return Artifact(type: "tokens", folder: folder, key: "t", digest: Digest.of("t"), producer: "tokens")
    }

    /// report.json of `evaluate` on the inputs.
    func evaluate(_ inputs: [String: Artifact], system: String? = nil, extra: [(key: String, value: JSONValue)] = []) async throws -> [String: Any] {
        var fields: [(key: String, value: JSONValue)] = [
            ("prompts", ["Q"]), ("chat", true), ("template", "auto"), ("max_new_tokens", 6), ("temperature", 0.8),
            ("top_k", 0), ("top_p", 1), ("repetition_penalty", 1), ("seed", 3), ("stop", []), ("split", "eval"),
            ("batch_size", 1), ("references", 2), ("compare_base", true),
        ]
        if let system { fields.append((key: "system", value: .string(system))) }
        fields += extra
        let params = JSONValue.object(fields)
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let context = StageContext(stageID: "eval", key: "k", outputFolder: out,
                                   checkpointFolder: root.appendingPathComponent("ck"), manifestFolder: root)
        try await EvaluateStage().run(try EvaluateStage.Params.decode(params), inputs: StageInputs(inputs),
                                      context: context)
        let data = try Data(contentsOf: out.appendingPathComponent("report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// What the tuned model answers to "Q" rendered with `template` and `system`, with the bench's settings.
    func answer(_ template: ChatTemplate, system: String? = nil) throws -> [Int] {
        let loaded = try openModelArtifact(in: try adapter(chat: nil).folder, manifestFolder: root)
        let options = GenerationOptions(maxNewTokens: 6, sampling: SamplingOptions(temperature: 0.8, seed: 3))
        let completer = Completer(model: loaded.model, tokenizer: tokenizer, template: template, system: system,
                                  options: options)
        return try completer.complete("Q").tokens
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

private func generation(_ report: [String: Any], _ variant: String) -> [Int]? {
    let generations = report["generations"] as? [[String: Any]] ?? []
    return generations.first { $0["variant"] as? String == variant }?["tokens"] as? [Int]
}

@Suite("evaluate")
struct EvaluateStageTests {
    @Test("prompts are rendered as the adapter was trained, for the tuned model and its base alike")
    func trainedRendering() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let chat = TrainedChat(template: "chatml", systemPrompt: "Be brief.")
        let inputs = ["model": try bench.adapter(chat: chat), "dataset": try bench.dataset(systemPrompt: "")]
        let report = try await bench.evaluate(inputs)
        let expected = try bench.answer(ChatTemplate(kind: .chatml, defaultSystemPrompt: "Be brief."))
        #expect(generation(report, "tuned") == expected)
        #expect(expected != (try bench.answer(ChatTemplate(kind: .chatml))))
    }

    @Test("without a recorded rendering in the adapter, the dataset's is used; a system param replaces its prompt")
    func datasetRendering() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let inputs = ["model": try bench.adapter(chat: nil), "dataset": try bench.dataset(systemPrompt: "Be brief.")]
        let recorded = try await bench.evaluate(inputs)
        let brief = try bench.answer(ChatTemplate(kind: .chatml, defaultSystemPrompt: "Be brief."))
        #expect(generation(recorded, "tuned") == brief)
        let none = try await bench.evaluate(inputs, system: "")
        #expect(generation(none, "tuned") == (try bench.answer(ChatTemplate(kind: .chatml))))
    }

    @Test("the eval loss is the mean loss of the split, for the tuned model and its base")
    func loss() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let adapter = try bench.adapter(chat: nil)
        let report = try await bench.evaluate(["model": adapter, "dataset": try bench.dataset(systemPrompt: "")])
        let losses = try #require(report["loss"] as? [String: [String: Double]])
        let loaded = try openModelArtifact(in: adapter.folder, manifestFolder: bench.root)
        let examples = bench.examples.map { Llama.TrainingExample(tokens: $0.tokens, labels: $0.labels) }
        let tuned = try loaded.model.meanLoss(of: examples, batchSize: 1, padToken: 0)
        loaded.model.adapters = []
        let base = try loaded.model.meanLoss(of: examples, batchSize: 1, padToken: 0)
        #expect(abs((losses["tuned"]?["loss"] ?? 0) - tuned) < 1e-9 * tuned)
        #expect(abs((losses["base"]?["loss"] ?? 0) - base) < 1e-9 * base)
        #expect(tuned != base)
    }

    @Test("a reference is answered from its prompt tokens and scored against its answer")
    func references() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let inputs = ["model": try bench.adapter(chat: nil), "dataset": try bench.dataset(systemPrompt: "")]
        let report = try await bench.evaluate(inputs)
        let scored = (report["references"] as? [[String: Any]] ?? []).filter { $0["variant"] as? String == "tuned" }
        #expect(scored.count == 2)
        #expect(scored.first?["prompt"] as? String == "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n")
        #expect(scored.first?["reference"] as? String == "A1")
    }

    @Test("classes score each answer by whether it names its reference's class first, per class and in all")
    func classes() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let inputs = ["model": try bench.adapter(chat: nil), "dataset": try bench.dataset(systemPrompt: "")]
        let report = try await bench.evaluate(inputs, extra: [(key: "classes", value: ["A2", "A1"])])
        let references = report["references"] as? [[String: Any]] ?? []
        #expect(references.map { $0["class"] as? String } == ["A1", "A2", "A1", "A2"])
        let scores = try #require(report["classes"] as? [String: [String: Any]])
        #expect(scores.keys.sorted() == ["base", "tuned"])
        for (variant, score) in scores {
            let mine = references.filter { $0["variant"] as? String == variant }
            let right = mine.filter { ($0["answer_class"] as? String) == ($0["class"] as? String) }
            let perClass = try #require(score["per_class"] as? [String: [String: Double]])
            #expect(perClass["A1"]?["count"] == 1 && perClass["A2"]?["count"] == 1)
            #expect(perClass["A1"]?["correct"] == Double(right.filter { $0["class"] as? String == "A1" }.count))
            #expect(score["count"] as? Double == 2 && score["correct"] as? Double == Double(right.count))
        }
        let one = try await bench.evaluate(inputs, extra: [(key: "classes", value: ["A1"])])
        #expect((one["classes"] as? [String: [String: Any]])?["tuned"]?["count"] as? Double == 1, "a reference naming no class is left out")
    }

    @Test("classes without references, or listed twice, are manifest problems")
    func classesChecked() throws {
        var params = EvaluateStage.Params()
        params.classes = ["轴承磨损", "轴承磨损"]
        params.references = 0
        params.prompts = ["Q"]
        let problems = EvaluateStage.check(params).map(\.message)
        #expect(problems.contains { $0.contains("references > 0") } && problems.contains { $0.contains("listed twice") }, "\(problems)")
    }
}
