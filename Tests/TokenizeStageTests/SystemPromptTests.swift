import Datasets
import Foundation
import JSON
import ModelArtifacts
import PipeCore
import Testing

/// The first train example of one completion record, as text, and the system prompt the dataset records.
private func rendered(_ extra: [(key: String, value: JSONValue)], model: ((Bench) throws -> Artifact)? = nil)
    async throws -> (text: String, systemPrompt: String?)
{
    let bench = try Bench()
    let data = try bench.dataset(.completion, ["train": [["prompt": "Q", "completion": "A"]]])
    let result = try await bench.tokenize(data, params(extra), model: try model?(bench))
    let example = try #require(result.splits["train"]?.first)
    return (text(example.tokens), result.info.systemPrompt)
}

@Suite("tokenize records the system prompt of its rendering")
struct SystemPromptTests {
    static let smolSystem = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    static let turns = "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>"

    @Test("chatml by name writes no system turn and records none")
    func chatmlNone() async throws {
        let (text, system) = try await rendered([])
        #expect(text == Self.turns && system == "")
    }

    @Test("auto writes and records the model's default system prompt; a system param replaces it")
    func autoDefault() async throws {
        let auto = try await rendered([("template", "auto")])
        #expect(auto.text == "<|im_start|>system\n\(Self.smolSystem)<|im_end|>\n" + Self.turns)
        #expect(auto.systemPrompt == Self.smolSystem)
        let own = try await rendered([("template", "auto"), ("system", "Be brief.")])
        #expect(own.text == "<|im_start|>system\nBe brief.<|im_end|>\n" + Self.turns && own.systemPrompt == "Be brief.")
    }

    @Test("an empty system param writes no system turn, not an empty one")
    func emptyMeansNone() async throws {
        let (text, system) = try await rendered([("template", "auto"), ("system", "")])
        #expect(text == Self.turns && system == "")
    }

    @Test("auto on a trained model renders as that model was trained")
    func autoTrained() async throws {
        let trained = try await rendered([("template", "auto")], model: {
            try $0.trainedModel(TrainedChat(template: "chatml", systemPrompt: ""))
        })
        #expect(trained.text == Self.turns && trained.systemPrompt == "")
    }

    @Test("tokens.json without a system prompt (older artifacts) still reads, with none recorded")
    func olderInfo() throws {
        let json = #"{"splits": [], "template": "chatml", "max_length": 8, "train_on": "completion", "#
            + #""vocabulary_size": 10, "pad_id": 0}"#
        let info = try JSONDecoder().decode(TokenizedInfo.self, from: Data(json.utf8))
        #expect(info.systemPrompt == nil && info.template == "chatml")
    }
}
