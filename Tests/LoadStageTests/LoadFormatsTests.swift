import Datasets
import Foundation
import JSON
import PipeCore
import Testing

@Suite("load: file types and shapes")
struct LoadFormatsTests {
    @Test("the seed's medical JSON array loads as alpaca records")
    func jsonArray() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_medical.json")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .alpaca)
        #expect(dataset.splitNames == ["train"])
        let first = try #require(dataset[split: "train"]?.first)
        #expect(first["input"] == "患者男性,58岁,吸烟史30年,近期出现持续咳嗽伴血痰")
        #expect(dataset[split: "train"]?.count == 2)
    }

    @Test("the seed's prompt/completion CSV loads as completion records")
    func csvCompletion() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_medical.csv")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .completion)
        #expect(dataset[split: "train"]?.map(\.jsonLine) == [
            #"{"prompt":"解释血常规报告中WBC 15.6×10⁹/L的意义","completion":"白细胞升高提示可能存在细菌感染,建议结合CRP检测..."}"#,
            #"{"prompt":"妊娠期高血压的首选治疗方案","completion":"推荐拉贝洛尔口服,初始剂量100mg bid,监测血压变化..."}"#,
        ])
    }

    @Test("the seed's finance text records load from JSONL with blank lines")
    func jsonlText() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_finance.jsonl")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .text)
        #expect(dataset[split: "train"]?.compactMap { $0["text"]?.stringValue } == ["现金流量表分析:<现金流量表数据>...", "计算ROIC:(净利润 + 税后利息) / (总资产 - 流动负债)"])
    }

    @Test("a text file gives one text record per non-empty line")
    func plainText() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("notes.txt", "第一行\n\n第二行\r\n   \n第三行")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .text)
        #expect(dataset[split: "train"]?.compactMap { $0["text"]?.stringValue } == ["第一行", "第二行", "第三行"])
    }

    @Test("the seed's machine-log CSV maps to alpaca with fields and a constant instruction")
    func machineLogs() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_machine_logs.csv")
        let out = try await box.load(#"{"dataset": "\#(path)", "fields": {"input": "sensor_data", "output": "diagnosis"}, "defaults": {"instruction": "设备故障诊断"}}"#)
        let dataset = try Dataset.read(from: out)
        #expect(dataset.shape == .alpaca)
        #expect(dataset[split: "train"]?.map(\.jsonLine) == [
            #"{"instruction":"设备故障诊断","input":"温度:238°C, 振动:5.2mm/s, 电流:18A","output":"轴承磨损建议立即更换"}"#,
            #"{"instruction":"设备故障诊断","input":"压力:85MPa, 流量:120L/min, 电压:380V","output":"液压系统泄漏需检查密封件"}"#,
        ])
    }

    @Test("the demo machine logs load in full, quoted newline and doubled quotes included")
    func demoMachineLogs() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("pipelines/data/machine_logs.csv"),
                                         to: box.folder.appendingPathComponent("data/machine_logs.csv"))
        let out = try await box.load(#"{"dataset": "data/machine_logs.csv", "format": "alpaca", "fields": {"input": "sensor_data", "output": "diagnosis"}, "defaults": {"instruction": "设备故障诊断"}}"#)
        let records = try #require(try Dataset.read(from: out)[split: "train"])
        #expect(records.count == 20)
        #expect(records.last?["input"] == #"压力:70MPa, 流量:95L/min, 噪声:88dB, 备注:"间歇异响""#)
        #expect(records.last?["output"] == "液压泵吸空，检查油箱液位\n及吸油滤芯")
    }

    @Test("ShareGPT conversations load as messages with from/value and human/gpt mapped")
    func shareGPT() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("sharegpt.json")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .messages)
        let first = try #require(dataset[split: "train"]?.first)
        let conversation = try first.asConversation(shape: .messages)
        #expect(conversation.system == "你是一名医生。")
        #expect(conversation.turns.map(\.role) == [.user, .assistant])
    }

    @Test("roles maps a file's own role names")
    func customRoles() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("chat.jsonl", #"{"dialog": [{"role": "患者", "content": "咳嗽三天"}, {"role": "医生", "content": "多喝水"}]}"#)
        let out = try await box.load(#"{"dataset": "\#(path)", "format": "messages", "fields": {"messages": "dialog"}, "roles": {"患者": "user", "医生": "assistant"}}"#)
        #expect(try Dataset.read(from: out)[split: "train"]?.first?.jsonLine
            == #"{"messages":[{"role":"user","content":"咳嗽三天"},{"role":"assistant","content":"多喝水"}]}"#)
    }

    @Test("format records keeps the legal clauses' nested analysis as it is")
    func records() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_contracts.json")
        let dataset = try Dataset.read(from: try await box.load(#"{"dataset": "\#(path)"}"#))
        #expect(dataset.shape == .records)
        #expect(dataset[split: "train"]?.first?.jsonLine == #"{"clause":"甲方应在交割日后15个工作日内支付对价","analysis":{"责任方":"甲方","时间限制":"15个工作日","触发条件":"交割日完成"}}"#)
        #expect(try DatasetInfo.read(from: box.folder.appendingPathComponent("out")).fields == ["clause", "analysis"])
    }

    @Test("a .json file of one object per line is read as JSONL; split and limit apply")
    func jsonAsJSONLWithLimit() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("lines.json", (1...5).map { #"{"prompt": "q\#($0)", "completion": "a\#($0)"}"# }.joined(separator: "\n"))
        let out = try await box.load(#"{"dataset": "\#(path)", "split": "eval", "limit": 3}"#)
        let info = try DatasetInfo.read(from: out)
        #expect(info.splits == [SplitInfo(name: "eval", count: 3)])
        #expect(info.shape == .completion)
    }

    @Test("the demo medical set loads: over 40 alpaca records, several with 咳嗽")
    func demoMedical() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("pipelines/data/medical.jsonl"),
                                         to: box.folder.appendingPathComponent("data/medical.jsonl"))
        let records = try #require(try Dataset.read(from: try await box.load(#"{"dataset": "data/medical.jsonl", "format": "alpaca"}"#))[split: "train"])
        #expect(records.count >= 40)
        #expect(records.filter { $0["input"]?.stringValue?.contains("咳嗽") == true }.count >= 5)
    }

    @Test("file_type overrides the extension, and TSV splits on tabs")
    func explicitFileTypes() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let csv = try box.write("export.txt", "prompt,completion\n问,答\n")
        #expect(try DatasetInfo.read(from: try await box.load(#"{"dataset": "\#(csv)", "file_type": "csv"}"#, output: "a")).shape == .completion)
        let tsv = try box.write("table.tsv", "text\tsource\n计算ROIC, 税后\t年报\n")
        let out = try await box.load(#"{"dataset": "\#(tsv)", "format": "text"}"#, output: "b")
        #expect(try Dataset.read(from: out)[split: "train"]?.first?.jsonLine == #"{"text":"计算ROIC, 税后"}"#)
    }
}
