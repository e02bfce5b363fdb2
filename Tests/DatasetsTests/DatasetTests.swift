import Datasets
import Foundation
import JSON
import TestSupport
import Testing

@Suite("Dataset artifact")
struct DatasetTests {
    static let sample = Dataset(shape: .alpaca, splits: [
        Split(name: "train", records: [
            Record([(key: "instruction", value: "诊断建议生成"), (key: "input", value: "持续咳嗽"), (key: "output", value: "胸部CT")]),
            Record([(key: "instruction", value: "用药指导"), (key: "input", value: ""), (key: "output", value: "二甲双胍")]),
        ]),
        Split(name: "eval", records: [
            Record([(key: "instruction", value: "化验单解读"), (key: "input", value: "WBC 15.6"), (key: "output", value: "感染\n\"可能\"")]),
        ]),
    ])

    @Test("a dataset reads back as written, with the same bytes every time")
    func roundTrip() throws {
        let a = try makeTemporaryFolder("datasets"), b = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try Self.sample.write(to: a)
        try Self.sample.write(to: b)
        #expect(try Dataset.read(from: a) == Self.sample)
        for file in ["dataset.json", "train.jsonl", "eval.jsonl"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)))
        }
        let train = try String(contentsOf: a.appendingPathComponent("train.jsonl"), encoding: .utf8)
        #expect(train == """
            {"instruction":"诊断建议生成","input":"持续咳嗽","output":"胸部CT"}
            {"instruction":"用药指导","input":"","output":"二甲双胍"}

            """)
    }

    @Test("a split can be streamed record by record")
    func streaming() throws {
        let folder = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.sample.write(to: folder)
        var seen: [Record] = []
        try Dataset.forEachRecord(in: folder, split: "train") { seen.append($0) }
        #expect(seen == Self.sample[split: "train"])
        #expect(throws: DatasetError.self) { try Dataset.forEachRecord(in: folder, split: "test") { _ in } }
    }

    @Test("dataset.json lists format, fields, splits and counts")
    func info() throws {
        let folder = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: folder) }
        var dataset = Self.sample
        dataset.skipped = SkippedRows(count: 1, examples: ["data/x.jsonl:2: expected a JSON object, got an array"])
        try dataset.write(to: folder)
        let text = try String(contentsOf: folder.appendingPathComponent("dataset.json"), encoding: .utf8)
        #expect(text == """
            {
              "version": 1,
              "format": "alpaca",
              "fields": [
                "instruction",
                "input",
                "output"
              ],
              "splits": [
                {
                  "name": "train",
                  "file": "train.jsonl",
                  "count": 2
                },
                {
                  "name": "eval",
                  "file": "eval.jsonl",
                  "count": 1
                }
              ],
              "skipped": {
                "count": 1,
                "rows": [
                  "data/x.jsonl:2: expected a JSON object, got an array"
                ]
              }
            }

            """)
        let info = try DatasetInfo.read(from: folder)
        #expect(info.splits == [SplitInfo(name: "train", count: 2), SplitInfo(name: "eval", count: 1)])
        #expect(info.skipped.count == 1)
        #expect(try Dataset.read(from: folder)[split: "eval"]?.count == 1)
    }

    @Test("a split file that disagrees with dataset.json is an error naming the file and line")
    func corruptSplit() throws {
        let folder = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.sample.write(to: folder)
        let train = folder.appendingPathComponent("train.jsonl")
        try Data("{\"instruction\":\"a\",\"input\":\"\",\"output\":\"b\"}\n[1]\n".utf8).write(to: train)
        #expect(throws: DatasetError.badRecord(file: train.path, line: 2, message: "expected a JSON object, got an array")) {
            try Dataset.read(from: folder)
        }
    }

    @Test("split names must be safe file names")
    func splitNames() throws {
        let folder = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = Dataset(shape: .text, splits: [Split(name: "../x", records: [])])
        #expect(throws: DatasetError.badSplitName("../x")) { try bad.write(to: folder) }
    }

    @Test("the line scanner passes blank lines, CRLF endings and a BOM, and counts lines as an editor does")
    func lineScanner() {
        var scanner = LineScanner(Data("\u{FEFF}{\"a\":1}\r\n\r\n  \n{\"b\":2}\n{\"c\":3}".utf8))
        var lines: [(Int, String)] = []
        while let (line, bytes) = scanner.next() { lines.append((line, String(decoding: bytes, as: UTF8.self))) }
        #expect(lines.map(\.0) == [1, 4, 5])
        #expect(lines.map(\.1) == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
    }

    @Test("the preview shows counts per split and the first rows")
    func preview() throws {
        let folder = try makeTemporaryFolder("datasets")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.sample.write(to: folder)
        let text = try DatasetPreview.text(of: folder, rows: 1)
        #expect(text == """
            format: alpaca
            fields: instruction, input, output
            splits: train 2, eval 1 (total 3)

            train[0]
              instruction: 诊断建议生成
              input: 持续咳嗽
              output: 胸部CT

            eval[0]
              instruction: 化验单解读
              input: WBC 15.6
              output: 感染 ⏎ "可能"

            """)
        let json = try DatasetPreview.json(of: folder, rows: 1)
        #expect(json.compactText == #"{"format":"alpaca","fields":["instruction","input","output"],"splits":[{"name":"train","count":2},{"name":"eval","count":1}],"#
            + #""rows":{"train":[{"instruction":"诊断建议生成","input":"持续咳嗽","output":"胸部CT"}],"eval":[{"instruction":"化验单解读","input":"WBC 15.6","output":"感染\n\"可能\""}]}}"#)
    }
}

@Suite("JSONL line encoder")
struct JSONLineEncoderTests {
    @Test("the fast encoder writes exactly JSONValue.compactText")
    func matchesCompactText() {
        let values: [JSONValue] = [
            ["a": "引号\"反斜杠\\换行\n回车\r制表\t\u{08}\u{0C}\u{01}\u{1F}", "n": 3, "x": -0.5, "big": 1e20, "t": true, "f": false, "z": nil],
            [["role": "user", "content": "😀 emoji é"], [], [:], [1, 2.25, -7]],
            "plain", 0, 123456789012345,
        ]
        for value in values {
            #expect(String(decoding: JSONLineEncoder.encode(value), as: UTF8.self) == value.compactText)
        }
    }
}
