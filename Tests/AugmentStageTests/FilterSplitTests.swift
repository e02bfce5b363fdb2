import AugmentStage
import Datasets
import Foundation
import JSON
import PipeCore
import Testing

@Suite("augment: dedupe, length filters, split, determinism")
struct FilterSplitTests {
    /// `count` distinct completion records "q<i>" -> "a<i>".
    static func numbered(_ count: Int) -> Dataset {
        Dataset(shape: .completion, splits: [Split(name: "train", records: (0..<count).map {
            Record([(key: "prompt", value: .string("q\($0)")), (key: "completion", value: .string("a\($0)"))])
        })])
    }

    @Test("exact duplicates are dropped, first one kept")
    func dedupe() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var dataset = Self.numbered(3)
        dataset.splits[0].records += [dataset.splits[0].records[1], dataset.splits[0].records[1]]
        let out = try await runAugment(dataset, #"{"shuffle": false}"#, scratch: scratch)
        #expect(try splitText(out, "train") == "{\"prompt\":\"q0\",\"completion\":\"a0\"}\n{\"prompt\":\"q1\",\"completion\":\"a1\"}\n{\"prompt\":\"q2\",\"completion\":\"a2\"}\n")
        let kept = try await runAugment(dataset, #"{"shuffle": false, "dedupe": false}"#, scratch: scratch)
        #expect(try DatasetInfo.read(from: kept).totalCount == 5)
    }

    @Test("a train record that is already in eval is dropped from train")
    func dedupeAcrossSplits() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var dataset = Self.numbered(3)
        dataset.splits.append(Split(name: "eval", records: [dataset.splits[0].records[2]]))
        let out = try await runAugment(dataset, "{}", scratch: scratch)
        let info = try DatasetInfo.read(from: out)
        #expect(info.splits == [SplitInfo(name: "train", count: 2), SplitInfo(name: "eval", count: 1)])
    }

    @Test("length filters measure the characters of a record's text")
    func lengths() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dataset = Dataset(shape: .alpaca, splits: [Split(name: "train", records: try records("""
            [{"instruction": "短", "input": "", "output": "答"},
             {"instruction": "中等长度", "input": "咳嗽", "output": "答案"},
             {"instruction": "这是一条相当长的指令文本", "input": "以及很长的输入内容", "output": "和很长的回答内容"}]
            """))])
        // Lengths: 2, 4 + 1 + 2 + 2 = 9, 12 + 1 + 9 + 8 = 30.
        let out = try await runAugment(dataset, #"{"min_length": 3, "max_length": 29, "shuffle": false}"#, scratch: scratch)
        #expect(try Dataset.read(from: out)[split: "train"]?.map { $0["instruction"]?.stringValue } == ["中等长度"])
        let edges = try await runAugment(dataset, #"{"min_length": 2, "max_length": 30}"#, scratch: scratch)
        #expect(try DatasetInfo.read(from: edges).totalCount == 3)
    }

    @Test("a fraction or a count moves that many train records, and the split is seeded")
    func splitSizes() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fraction = try await runAugment(Self.numbered(45), #"{"seed": 3, "split": {"eval": 0.1}}"#, scratch: scratch)
        #expect(try DatasetInfo.read(from: fraction).splits == [SplitInfo(name: "train", count: 40), SplitInfo(name: "eval", count: 5)])
        let counts = try await runAugment(Self.numbered(45), #"{"seed": 3, "split": {"eval": 30, "test": 0.2}}"#, scratch: scratch)
        #expect(try DatasetInfo.read(from: counts).splits == [SplitInfo(name: "train", count: 6), SplitInfo(name: "eval", count: 30), SplitInfo(name: "test", count: 9)])
        // Every record is in exactly one split.
        let all = try Dataset.read(from: counts).splits.flatMap(\.records).map(\.jsonLine)
        #expect(Set(all).count == 45)
        let again = try await runAugment(Self.numbered(45), #"{"seed": 3, "split": {"eval": 0.1}}"#, scratch: scratch)
        let other = try await runAugment(Self.numbered(45), #"{"seed": 4, "split": {"eval": 0.1}}"#, scratch: scratch)
        #expect(try splitText(fraction, "eval") == splitText(again, "eval"))
        #expect(try splitText(fraction, "eval") != splitText(other, "eval"))
    }

    @Test("records already in eval stay there and the split adds to them")
    func existingEval() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var dataset = Self.numbered(20)
        dataset.splits.append(Split(name: "eval", records: [Record([(key: "prompt", value: "e"), (key: "completion", value: "e")])]))
        let out = try await runAugment(dataset, #"{"split": {"eval": 4}, "shuffle": false}"#, scratch: scratch)
        let eval = try #require(try Dataset.read(from: out)[split: "eval"])
        #expect(eval.count == 5)
        #expect(eval.first?["prompt"] == "e")
    }

    @Test("asking for every train record fails")
    func tooBig() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        await #expect(throws: StageError.self) { try await runAugment(Self.numbered(5), #"{"split": {"eval": 5}}"#, scratch: scratch) }
    }

    /// Regression (fuzz seed jsonl:2000146): the message named no param, so a user could not tell
    /// which value to change.
    @Test("asking for more records than train holds names params.split and each split's count")
    func tooBigNamesTheParam() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            _ = try await runAugment(Self.numbered(2), #"{"split": {"eval": 3, "test": 0.4}}"#, scratch: scratch)
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)" == "params.split asks for 4 of the 2 train records (eval: 3, test: 1); leave some for training")
        }
    }

    @Test("two runs with one seed give the same bytes; another seed shuffles differently")
    func determinism() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let params = #"{"seed": 7, "copies": 2, "replace": {"input": {"咳嗽": ["胸痛", "呼吸困难", "咯血"]}}, "split": {"eval": 0.2}}"#
        var dataset = try seedMedical()
        dataset.splits[0].records += try records("""
            [{"instruction": "a", "input": "咳嗽一周", "output": "b"}, {"instruction": "c", "input": "咳嗽两周", "output": "d"},
             {"instruction": "e", "input": "发热", "output": "f"}, {"instruction": "g", "input": "头痛", "output": "h"}]
            """)
        let a = try await runAugment(dataset, params, scratch: scratch)
        let b = try await runAugment(dataset, params, scratch: scratch)
        let c = try await runAugment(dataset, params.replacingOccurrences(of: "\"seed\": 7", with: "\"seed\": 8"), scratch: scratch)
        for file in ["dataset.json", "train.jsonl", "eval.jsonl"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)))
        }
        #expect(try splitText(a, "train") != splitText(c, "train"))
    }

    @Test("param checks: split into train, fractions summing to 1, min above max")
    func checks() throws {
        let params = try decodeParams(AugmentStage.self, #"{"split": {"train": 0.5, "eval": 0.6, "test": 2.5}, "min_length": 10, "max_length": 5}"#)
        #expect(AugmentStage.check(params).map(\.description) == [
            "min_length: min_length 10 is above max_length 5",
            "split.test: expected a fraction below 1 or a whole count, got 2.5",
            #"split.train: records move out of train; name the split they go to, e.g. "eval""#,
            "split: the fractions add up to 1.1; leave some records for train",
        ])
    }
}
