import AugmentStage
import Datasets
import Foundation
import Testing

@Suite("augment: replacement copies")
struct ReplaceTests {
    static let symptoms = #""replace": {"input": {"咳嗽": ["胸痛", "呼吸困难", "咯血"]}}"#

    @Test("the seed's symptom substitution with seed 42 and two copies gives a fixed result")
    func goldenSymptomSubstitution() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = try await runAugment(try seedMedical(), #"{"seed": 42, "copies": 2, \#(Self.symptoms)}"#, scratch: scratch)
        #expect(try splitText(out, "train") == """
            {"instruction":"检查建议","input":"夜间咳嗽,晨起咳嗽加重","output":"肺功能检查"}
            {"instruction":"用药指导","input":"糖尿病患者空腹血糖9.8mmol/L,当前使用二甲双胍500mg bid","output":"建议:1.增加二甲双胍至850mg bid 2.监测肝肾功 3.联合使用SGLT2抑制剂"}
            {"instruction":"诊断建议生成","input":"患者男性,58岁,吸烟史30年,近期出现持续胸痛伴血痰","output":"初步怀疑肺癌,建议:1.胸部CT平扫 2.支气管镜检查 3.肿瘤标志物检测"}
            {"instruction":"检查建议","input":"夜间咯血,晨起咯血加重","output":"肺功能检查"}
            {"instruction":"诊断建议生成","input":"患者男性,58岁,吸烟史30年,近期出现持续咳嗽伴血痰","output":"初步怀疑肺癌,建议:1.胸部CT平扫 2.支气管镜检查 3.肿瘤标志物检测"}
            {"instruction":"检查建议","input":"夜间胸痛,晨起胸痛加重","output":"肺功能检查"}
            {"instruction":"诊断建议生成","input":"患者男性,58岁,吸烟史30年,近期出现持续呼吸困难伴血痰","output":"初步怀疑肺癌,建议:1.胸部CT平扫 2.支气管镜检查 3.肿瘤标志物检测"}

            """)
    }

    @Test("copies follow their original, replace every occurrence with one pick, and differ from each other")
    func copiesInOrder() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = try await runAugment(try seedMedical(), #"{"seed": 42, "copies": 3, "shuffle": false, \#(Self.symptoms)}"#, scratch: scratch)
        let inputs = try #require(try Dataset.read(from: out)[split: "train"]).compactMap { $0["input"]?.stringValue }
        // The record without 咳嗽 gets no copies (they would be duplicates); the others get three distinct ones.
        #expect(inputs.count == 9) // 1 + 3, 1, 1 + 3
        #expect(inputs[0] == "患者男性,58岁,吸烟史30年,近期出现持续咳嗽伴血痰")
        #expect(Set(inputs[1...3]) == ["患者男性,58岁,吸烟史30年,近期出现持续胸痛伴血痰", "患者男性,58岁,吸烟史30年,近期出现持续呼吸困难伴血痰", "患者男性,58岁,吸烟史30年,近期出现持续咯血伴血痰"])
        #expect(Set(inputs[6...8]) == ["夜间胸痛,晨起胸痛加重", "夜间呼吸困难,晨起呼吸困难加重", "夜间咯血,晨起咯血加重"])
    }

    @Test("keep_original false replaces each record by its copies, and one that changes keeps itself once")
    func replaceInPlace() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = try await runAugment(try seedMedical(), #"{"seed": 1, "copies": 1, "keep_original": false, "shuffle": false, \#(Self.symptoms)}"#, scratch: scratch)
        let inputs = try #require(try Dataset.read(from: out)[split: "train"]).compactMap { $0["input"]?.stringValue }
        #expect(inputs.count == 3)
        #expect(!inputs.contains { $0.contains("咳嗽") })
        #expect(inputs[1] == "糖尿病患者空腹血糖9.8mmol/L,当前使用二甲双胍500mg bid")
    }

    @Test("without dedupe, copies that change nothing stay")
    func noDedupe() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = try await runAugment(try seedMedical(), #"{"copies": 2, "dedupe": false, "shuffle": false, \#(Self.symptoms)}"#, scratch: scratch)
        #expect(try DatasetInfo.read(from: out).splits == [SplitInfo(name: "train", count: 9)])
    }

    @Test("eval records get no copies")
    func evalStaysReal() async throws {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var dataset = try seedMedical()
        dataset.splits.append(Split(name: "eval", records: try records(#"[{"instruction": "诊断", "input": "咳嗽", "output": "查"}]"#)))
        let out = try await runAugment(dataset, #"{"copies": 3, \#(Self.symptoms)}"#, scratch: scratch)
        let info = try DatasetInfo.read(from: out)
        #expect(info.split(named: "eval")?.count == 1)
        #expect(info.split(named: "train")?.count == 9)
    }
}
