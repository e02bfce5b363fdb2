import Foundation
import Testing

@Suite("Values that once passed validate and then trapped or failed obscurely")
struct OutOfRangeParamTests {
    static func validate(_ stage: String) throws -> PipeProcess.Result {
        let project = try Project()
        defer { project.remove() }
        try project.write("data/d.jsonl", #"{"instruction": "a", "output": "b"}"# + "\n")
        try project.write("m.json", """
            { "stages": {
                "records": { "kind": "load", "params": { "dataset": "data/d.jsonl" } },
                "base": { "kind": "load", "params": { "model": "model.gguf" } },
                \(stage)
            } }
            """)
        return try project.pipe("validate", "m.json")
    }

    @Test("an out-of-range number is an error at its JSON path, before anything runs",
          arguments: [
              (#""x": { "kind": "augment", "inputs": { "dataset": "records" }, "params": { "split": { "eval": 1e19 } } }"#, "stages.x.params.split.eval"),
              (#""x": { "kind": "augment", "inputs": { "dataset": "records" }, "params": { "split": { "eval": 5e18, "test": 5e18 } } }"#, "stages.x.params.split.eval"),
              (#""x": { "kind": "train", "inputs": { "model": "base", "dataset": "records" }, "params": { "weight_decay": 1e308 } }"#, "stages.x.params.weight_decay"),
              (#""x": { "kind": "train", "inputs": { "model": "base", "dataset": "records" }, "params": { "alpha": 1e308 } }"#, "stages.x.params.alpha"),
              (#""x": { "kind": "train", "inputs": { "model": "base", "dataset": "records" }, "params": { "max_steps": 1e19 } }"#, "stages.x.params.max_steps"),
              (#""x": { "kind": "load", "params": { "dataset": "data/d.jsonl", "limit": 1e19 } }"#, "stages.x.params.limit"),
          ])
    func outOfRange(_ stage: String, _ path: String) throws {
        let result = try Self.validate(stage)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("\(path): expected"), "\(result.stderr)")
    }
}
