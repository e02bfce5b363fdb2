import AugmentStage
import Datasets
import Foundation
import JSON
import PipeCore
import Testing

@Suite("augment: templates")
struct TemplateTests {
    static func contracts() throws -> Dataset {
        Dataset(shape: .records, splits: [Split(name: "train", records: try records("""
        [
          {"clause": "甲方应在交割日后15个工作日内支付对价", "analysis": {"责任方": "甲方", "时间限制": "15个工作日", "触发条件": "交割日完成"}},
          {"clause": "若乙方未能达到业绩承诺,需按差额的200%进行现金补偿", "analysis": {"惩罚条款": "现金补偿", "计算基准": "业绩差额", "赔偿比例": "200%"}}
        ]
        """))])
    }

    @Test("the seed's legal template renders the nested analysis as key: value lines and gives alpaca")
    func legal() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = try await runAugment(try Self.contracts(), #"{"shuffle": false, "template": {"instruction": "解析法律条款", "input": "{clause}", "output": "{analysis}"}}"#, scratch: scratch)
        let dataset = try Dataset.read(from: out)
        #expect(dataset.shape == .alpaca)
        #expect(try splitText(out, "train") == """
            {"instruction":"解析法律条款","input":"甲方应在交割日后15个工作日内支付对价","output":"责任方: 甲方\\n时间限制: 15个工作日\\n触发条件: 交割日完成"}
            {"instruction":"解析法律条款","input":"若乙方未能达到业绩承诺,需按差额的200%进行现金补偿","output":"惩罚条款: 现金补偿\\n计算基准: 业绩差额\\n赔偿比例: 200%"}

            """)
    }

    @Test("the seed's machine logs become instruction records through a template")
    func machineLogs() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let logs = Dataset(shape: .records, splits: [Split(name: "train", records: try records("""
            [{"sensor_data": "温度:238°C, 振动:5.2mm/s, 电流:18A", "diagnosis": "轴承磨损建议立即更换"}]
            """))])
        let out = try await runAugment(logs, #"{"template": {"instruction": "设备故障诊断", "input": "传感器读数: {sensor_data}", "output": "{diagnosis}"}}"#, scratch: scratch)
        #expect(try splitText(out, "train") == #"{"instruction":"设备故障诊断","input":"传感器读数: 温度:238°C, 振动:5.2mm/s, 电流:18A","output":"轴承磨损建议立即更换"}"# + "\n")
    }

    @Test("placeholders reach into nested objects with dots, and doubled braces are literal")
    func paths() throws {
        let record = try #require(Record(json: ["analysis": ["责任方": "甲方"], "n": 3]))
        #expect(try Template("{{责任方}}={analysis.责任方}, n={n}").render(record) == "{责任方}=甲方, n=3")
    }

    @Test("a field the record lacks fails with the input's file and line")
    func missingField() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            _ = try await runAugment(try Self.contracts(), #"{"template": {"prompt": "{clause}", "completion": "{analysis.责任方}"}}"#, scratch: scratch)
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)" == #"records/train.jsonl:2: the template needs field "analysis.责任方", which the record lacks (fields: clause, analysis)"#)
        }
    }

    @Test("broken templates are manifest problems")
    func brokenTemplates() throws {
        let params = try decodeParams(AugmentStage.self, #"{"template": {"input": "{clause", "output": "}x"}}"#)
        #expect(AugmentStage.check(params).map(\.description) == [
            "template.input: a '{' without its '}' (write {{ for a literal brace)",
            "template.output: a '}' without its '{' (write }} for a literal brace)",
        ])
    }
}
