import Foundation
import Testing

/// `count` distinct alpaca records of about 1,200 tokens each.
private func longRecords(_ count: Int) -> String {
    (0..<count).map { i in
        let output = String(repeating: "建议复查血常规与肝肾功能。", count: 45) + "\(i)"
        return #"{"instruction": "病例 \#(i)", "input": "", "output": "\#(output)"}"#
    }.joined(separator: "\n") + "\n"
}

/// The quickstart's tiny model with a 65536-wide MLP: 2 MB of activations per token, so a million tokens
/// need terabytes (no longer T² attention or full logits: only per-token activations decide).
private func wideMLP(_ manifest: String) -> String {
    manifest.replacingOccurrences(of: #""ffn": 128"#, with: #""ffn": 65536"#)
}

/// The train stage's memory metrics of a `pipe run --json`: the estimate without the weights (loaded before
/// the trainer starts), and the growth of the peak resident memory from the trainer's start.
private func memory(_ run: PipeProcess.Result) throws -> (estimate: Double, growth: Double) {
    let metrics = try #require(try run.stages()["trained"]?["metrics"] as? [String: Any])
    let memory = try #require(metrics["memory"] as? [String: Any])
    let parts = try #require(memory["estimate"] as? [String: Double])
    let estimate = try #require(parts["total"]) - (parts["weights"] ?? 0)
    let peak = try #require(memory["peak_resident"] as? Double)
    let before = try #require(memory["resident_before"] as? Double)
    return (estimate, peak - before)
}

@Suite("Training refuses what does not fit in memory", .serialized)
struct MemoryLimitTests {
    @Test("batch_size 1024 on 1,200 long examples is refused before training with exit 1, naming batch_size and the estimate")
    func largeBatchIsRefused() throws {
        let project = try quickstartProject {
            wideMLP($0).replacingOccurrences(of: #""max_length": 128, "packing": true"#, with: #""max_length": 1024"#)
              .replacingOccurrences(of: #""batch_size": 8"#, with: #""batch_size": 1024"#)
        }
        defer { project.remove() }
        try project.write("data/medical.jsonl", longRecords(1200))
        let run = try project.pipe("run", "quickstart.json", "--until", "trained")
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("training needs about "), "\(run.stderr)")
        #expect(run.stderr.contains("TB for batches of 1024 × 1024 tokens (batch_size 1024, max_length 1024): activations "),
                "\(run.stderr)")
        #expect(run.stderr.contains(" available. To fit, lower batch_size"), "\(run.stderr)")
        #expect(!run.stderr.contains("steps, loss"), "no step ran")
    }

    @Test("max_memory below the estimate refuses the quickstart's training, naming max_memory")
    func maxMemoryIsRefused() throws {
        let project = try quickstartProject {
            $0.replacingOccurrences(of: #""method": "full","#, with: #""method": "full", "max_memory": "100M","#)
        }
        defer { project.remove() }
        let run = try project.pipe("run", "quickstart.json", "--until", "trained")
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("for batches of 8 × 128 tokens (batch_size 8, max_length 128)"), "\(run.stderr)")
        #expect(run.stderr.contains("more than max_memory 100 MB. To fit, lower batch_size"), "\(run.stderr)")
    }

    @Test("max_memory that is not a size is a manifest error naming the param")
    func unreadableMaxMemory() throws {
        let project = try quickstartProject {
            $0.replacingOccurrences(of: #""method": "full","#, with: #""method": "full", "max_memory": "lots","#)
        }
        defer { project.remove() }
        let run = try project.pipe("run", "quickstart.json", "--until", "trained")
        #expect(run.status != 0)
        #expect(run.stderr.contains("max_memory") && run.stderr.contains("\"lots\" is not a size"), "\(run.stderr)")
    }

    @Test("packing at max_length 131072 trains the quickstart in one row, not one per batch slot, as estimated")
    func packedLongRowsFit() throws {
        let project = try quickstartProject {
            $0.replacingOccurrences(of: #""max_length": 128"#, with: #""max_length": 131072"#)
              .replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 1"#)
        }
        defer { project.remove() }
        let run = try project.pipe("run", "quickstart.json", "--until", "trained", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("memory: about "), "\(run.stderr)")
        let (estimate, growth) = try memory(run)
        #expect(estimate < 4e9, "one packed row of the whole train split, and the short held-out rows beside it")
        #expect((0.75...1.33).contains(estimate / growth), "estimate \(estimate), measured \(growth)")
    }

    @Test("packing 1,200 long examples at max_length 131072 is refused before training, naming max_length")
    func packedHugeRowsAreRefused() throws {
        let project = try quickstartProject {
            wideMLP($0).replacingOccurrences(of: #""max_length": 128"#, with: #""max_length": 131072"#)
        }
        defer { project.remove() }
        try project.write("data/medical.jsonl", longRecords(1200))
        let run = try project.pipe("run", "quickstart.json", "--until", "trained")
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("TB for batches of 8 × "), "\(run.stderr)")
        #expect(run.stderr.contains("tokens (batch_size 8, max_length 131072): activations "), "\(run.stderr)")
        #expect(run.stderr.contains("turn on gradient_checkpointing"), "\(run.stderr)")
    }

    @Test("the estimate printed at the start of training is within 25% of the measured peak growth, LoRA and full")
    func estimateMatchesMeasurement() throws {
        let configurations: [(String) -> String] = [
            { $0 },
            { $0.replacingOccurrences(of: #""method": "full""#, with: #""method": "lora", "r": 16"#) },
            { $0.replacingOccurrences(of: #""method": "full""#, with: #""method": "full", "gradient_checkpointing": true"#)
                .replacingOccurrences(of: #""batch_size": 8"#, with: #""batch_size": 32"#) },
        ]
        for edit in configurations {
            let project = try quickstartProject {
                edit($0).replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 1"#)
            }
            defer { project.remove() }
            let run = try project.pipe("run", "quickstart.json", "--until", "trained", "--json")
            #expect(run.status == 0, "\(run.stderr)")
            let (estimate, growth) = try memory(run)
            #expect((0.75...1.33).contains(estimate / growth), "estimate \(estimate), measured \(growth)")
        }
    }
}
