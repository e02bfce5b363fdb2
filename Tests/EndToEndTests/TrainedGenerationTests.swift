import Foundation
import Testing

/// `pipe generate --json`'s object.
private func generated(_ project: Project, _ arguments: [String]) throws -> [String: Any] {
    let result = try project.pipe(["generate", "--json"] + arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
}

/// The ids of `text`, special tokens parsed, by the demo model's tokenizer.
private func tokenIDs(_ project: Project, _ text: String) throws -> [Int] {
    let result = try project.pipe("tokenize", "--model", demoModel, "--special", "--json", text)
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [Int] ?? []
}

@Suite("Generation from trained stages", .serialized)
struct TrainedGenerationTests {
    @Test("generate --chat on a trained stage answers as the evaluation report does, for the same prompt and sampling")
    func generateMatchesEvaluation() throws {
        // Sampled rather than greedy: the tiny model's greedy answer repeats one token whatever the prompt.
        let project = try quickstartProject(editing: {
            $0.replacingOccurrences(of: #""max_new_tokens": 16,"#,
                                    with: #""max_new_tokens": 16, "temperature": 1, "seed": 3,"#)
        })
        defer { project.remove() }
        let run = try project.pipe("run", "quickstart.json")
        #expect(run.status == 0, "\(run.stderr)")
        let report = try showJSON(project, "eval")
        let evaluated = try #require((report["generations"] as? [[String: Any]])?.first)
        let prompt = try #require(evaluated["prompt"] as? String)

        let answer = try generated(project, ["--model", "quickstart.json:trained", "--chat", "--prompt", prompt,
                                             "--max-new-tokens", "16", "--temperature", "1", "--seed", "3"])
        #expect(answer["text"] as? String == evaluated["text"] as? String)
        #expect(answer["tokens"] as? [Int] == evaluated["tokens"] as? [Int])
        // quickstart tokenizes with chatml and no system prompt, so the prompt has no system turn.
        let trainedRendering = try tokenIDs(project, "<|im_start|>user\n\(prompt)<|im_end|>\n<|im_start|>assistant\n")
        #expect(answer["prompt_tokens"] as? [Int] == trainedRendering)
    }

    @Test("--system \"\" writes no system turn, where the model's own template would write its default one")
    func emptySystemPrompt() throws {
        let project = try quickstartProject()
        defer { project.remove() }
        #expect(try project.pipe("run", "quickstart.json", "--until", "tiny").status == 0)
        let base = ["--model", "quickstart.json:tiny", "--chat", "--prompt", "Hi", "--max-new-tokens", "1"]
        let none = try generated(project, base + ["--system", ""])
        let turns = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        #expect(none["prompt_tokens"] as? [Int] == (try tokenIDs(project, turns)))
        let own = try generated(project, base)
        let system = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
        let withDefault = "<|im_start|>system\n\(system)<|im_end|>\n" + turns
        #expect(own["prompt_tokens"] as? [Int] == (try tokenIDs(project, withDefault)))
    }
}
