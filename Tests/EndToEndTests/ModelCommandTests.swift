import Foundation
import Testing
import TestSupport

let demoModel = TestPaths.demoModel.path
let referenceFolder = TestPaths.reference

@Suite("Model commands")
struct ModelCommandTests {
    @Test("pipe tokenize --json gives llama.cpp's ids for the reference texts")
    func tokenize() throws {
        let lines = try String(contentsOf: referenceFolder.appendingPathComponent("smollm2/tokenizer.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(12)
        var texts: [String] = [], expected: [String] = [], expectedSpecial: [String] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            texts.append(try #require(object["text"] as? String))
            expected.append("[" + (object["ids"] as? [Int] ?? []).map(String.init).joined(separator: ",") + "]")
            expectedSpecial.append("[" + (object["ids_with_special"] as? [Int] ?? []).map(String.init).joined(separator: ",") + "]")
        }
        let plain = try PipeProcess.run(["tokenize", "--model", demoModel, "--json"] + texts, in: PipeProcess.packageRoot)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.split(separator: "\n").map(String.init) == expected)
        let special = try PipeProcess.run(["tokenize", "--model", demoModel, "--json", "--special"] + texts, in: PipeProcess.packageRoot)
        #expect(special.stdout.split(separator: "\n").map(String.init) == expectedSpecial)
    }

    @Test("pipe generate --json reproduces the reference greedy continuation")
    func generateGreedy() throws {
        let result = try PipeProcess.run(["generate", "--model", demoModel, "--prompt", "The capital of France is", "--max-new-tokens", "24", "--json"], in: PipeProcess.packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["prompt_tokens"] as? [Int] == [504, 3575, 282, 4649, 314])
        #expect(object["tokens"] as? [Int] == [7042, 30, 198, 198, 504, 2988, 314, 42, 216, 34, 32, 33, 40, 29, 32, 33, 29, 34, 34, 216, 33, 34, 42, 33])
        #expect(object["text"] as? String == " Paris.\n\nThe answer is: 2018-01-22 12:1")
        #expect(object["stop_reason"] as? String == "length")
        #expect(["avx2", "avx512"].contains(object["kernels"] as? String ?? ""), "the kernel set is reported")
    }

    @Test("a stop string ends generation and is cut from the text")
    func stopString() throws {
        let result = try PipeProcess.run(["generate", "--model", demoModel, "--prompt", "The capital of France is", "--max-new-tokens", "24", "--stop", "answer", "--json"], in: PipeProcess.packageRoot)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["text"] as? String == " Paris.\n\nThe ")
        #expect(object["stop_reason"] as? String == "stop_string")
    }

    @Test("load with a model makes a small model artifact that show describes and generate can use as MANIFEST:STAGE")
    func loadModelStage() throws {
        let project = try Project()
        defer { project.remove() }
        let tiny = referenceFolder.appendingPathComponent("tiny/gguf/tiny-f32.gguf").path
        try project.write("m.json", #"{"stages": {"base": {"kind": "load", "params": {"model": "\#(tiny)"}}, "scratch": {"kind": "load", "params": {"model": {"init": {"layers": 1, "width": 16, "heads": 2, "ffn": 32}, "tokenizer": "\#(tiny)", "seed": 3}}}}}"#)
        let run = try project.pipe("run", "m.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try run.statuses() == ["base": "ran", "scratch": "ran"])
        let shown = try project.pipe("show", "m.json", "base")
        #expect(shown.stdout.contains("architecture: llama, 2 layers, width 64, 4 heads / 2 KV heads"), "\(shown.stdout)")
        #expect(shown.stdout.contains("chat template: chatml"))
        let generated = try project.pipe("generate", "--model", "m.json:scratch", "--prompt", "hello", "--max-new-tokens", "3", "--json")
        #expect(generated.status == 0, "\(generated.stderr)")
        let again = try project.pipe("generate", "--model", "m.json:scratch", "--prompt", "hello", "--max-new-tokens", "3", "--json")
        func tokens(_ result: PipeProcess.Result) throws -> [Int]? {
            (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["tokens"] as? [Int]
        }
        #expect(try tokens(again) == tokens(generated) && tokens(again)?.count == 3)
        #expect(try project.pipe("run", "m.json", "--json").statuses() == ["base": "cached", "scratch": "cached"])
    }
}
