import Foundation
import GGUF
import ModelExport
import Tokenizer
import TestSupport

/// The valid inputs the mutators start from: the shipped manifests, the fixture data files, the
/// tiny reference model as GGUF and as a safetensors folder. Read once.
enum FuzzCorpus {
    static let root = TestPaths.packageRoot

    /// The shipped pipelines (not their JSON schema), as bytes.
    static let manifests: [[UInt8]] = {
        let folder = root.appendingPathComponent("pipelines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "schema.json" }.sorted().compactMap {
            FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).map { [UInt8]($0) }
        }
    }()

    /// A data file and the `load` and `augment` params that read it as the pipelines do.
    struct DataSeed {
        var name: String
        var bytes: [UInt8]
        var load: String
        var augment: String
    }

    static let data: [DataSeed] = {
        let fixtures = TestPaths.fixtures.appendingPathComponent("data")
        let pipelines = root.appendingPathComponent("pipelines/data")
        let split = #""seed": 1, "split": {"eval": 0.3}"#
        let seeds: [(URL, String, String)] = [
            (fixtures.appendingPathComponent("bad_rows.jsonl"), #""format": "alpaca""#, split),
            (fixtures.appendingPathComponent("seed_contracts.json"), #""format": "records""#,
             split + #", "template": {"instruction": "解析", "input": "{clause}", "output": "{analysis}"}"#),
            (fixtures.appendingPathComponent("seed_finance.jsonl"), #""format": "text""#, split),
            (fixtures.appendingPathComponent("seed_machine_logs.csv"),
             #""format": "alpaca", "fields": {"input": "sensor_data", "output": "diagnosis"}, "#
                + #""defaults": {"instruction": "诊断"}"#,
             split + #", "replace": {"input": {"温度": ["压力", "电流"]}}, "copies": 2"#),
            (fixtures.appendingPathComponent("seed_medical.csv"), #""format": "completion""#, split),
            (fixtures.appendingPathComponent("seed_medical.json"), #""format": "alpaca""#,
             split + #", "min_length": 4"#),
            (fixtures.appendingPathComponent("sharegpt.json"), #""format": "messages""#, split),
            (pipelines.appendingPathComponent("contracts.json"), #""format": "records""#, #""dedupe": true"#),
            (pipelines.appendingPathComponent("machine_logs.csv"), #""fields": {"input": "sensor_data"}"#, split),
            (pipelines.appendingPathComponent("medical.jsonl"), #""format": "alpaca", "limit": 40"#,
             #""split": {"eval": 3}"#),
        ]
        return seeds.compactMap { url, load, augment in
            FileManager.default.contents(atPath: url.path).map {
                DataSeed(name: url.lastPathComponent, bytes: [UInt8]($0), load: load, augment: augment)
            }
        }
    }()

    static let ggufFiles: [[UInt8]] = ["tiny-q8_0.gguf", "tiny-q4_0.gguf"].compactMap {
        let url = TestPaths.reference.appendingPathComponent("tiny/gguf").appendingPathComponent($0)
        return FileManager.default.contents(atPath: url.path).map { [UInt8]($0) }
    }

    static let ggufLayouts: [GGUFLayout] = ggufFiles.map(GGUFLayout.init)

    static let safetensors: [UInt8] = FileManager.default.contents(
        atPath: TestPaths.reference.appendingPathComponent("tiny/model.safetensors").path).map { [UInt8]($0) } ?? []

    static let config: [UInt8] = FileManager.default.contents(
        atPath: TestPaths.reference.appendingPathComponent("tiny/config.json").path).map { [UInt8]($0) } ?? []

    /// The tiny model's tokenizer as a Hugging Face tokenizer.json (written from its GGUF).
    static let tokenizerJSON: [UInt8] = {
        guard let gguf = try? GGUFFile(data: Data(ggufFiles[0])), let tokenizer = try? BPETokenizer(gguf: gguf),
              let json = try? TokenizerJSONWriter.tokenizerJSON(tokenizer) else { return [] }
        return Array(json.compactText.utf8)
    }()

    /// The demo model the shipped pipelines name (`../models/...`), linked into each work folder.
    static let demoModel = TestPaths.demoModel
}
