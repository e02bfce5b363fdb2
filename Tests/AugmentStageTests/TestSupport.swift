import AugmentStage
import Datasets
import Foundation
import JSON
import PipeCache
import PipeCore
import TestSupport

let packageRoot = TestPaths.packageRoot

/// A stage's params from manifest JSON, validated with the kind's defaults filled in as the engine does.
func decodeParams<S: Stage>(_ type: S.Type, _ text: String) throws -> S.Params {
    try S.Params.decode(try JSONParser.parse(text))
}

/// Records from JSON objects written as text, one per element.
func records(_ json: String) throws -> [Record] {
    guard let items = try JSONParser.parse(json).arrayValue else { throw StageError.failed("expected an array") }
    return items.compactMap { Record(json: $0) }
}

/// The seed's two medical records plus a third that mentions 咳嗽 twice.
func seedMedical() throws -> Dataset {
    Dataset(shape: .alpaca, splits: [Split(name: "train", records: try records("""
        [
          {"instruction": "诊断建议生成", "input": "患者男性,58岁,吸烟史30年,近期出现持续咳嗽伴血痰", "output": "初步怀疑肺癌,建议:1.胸部CT平扫 2.支气管镜检查 3.肿瘤标志物检测"},
          {"instruction": "用药指导", "input": "糖尿病患者空腹血糖9.8mmol/L,当前使用二甲双胍500mg bid", "output": "建议:1.增加二甲双胍至850mg bid 2.监测肝肾功 3.联合使用SGLT2抑制剂"},
          {"instruction": "检查建议", "input": "夜间咳嗽,晨起咳嗽加重", "output": "肺功能检查"}
        ]
        """))])
}

/// Runs `augment` through the Stage API on a dataset written to a scratch folder; returns the
/// output folder (inside `scratch`, which the caller removes).
func runAugment(_ dataset: Dataset, _ params: String, scratch: URL) async throws -> URL {
    let input = scratch.appendingPathComponent("input")
    try dataset.write(to: input)
    let output = scratch.appendingPathComponent("output-\(UUID().uuidString)")
    let context = StageContext(stageID: "more", key: "test", outputFolder: output,
                               checkpointFolder: scratch.appendingPathComponent("checkpoint"), manifestFolder: scratch)
    let artifact = Artifact(type: "dataset", folder: input, key: "input-key", digest: Digest.of("input"), producer: "records")
    try await AugmentStage().run(try decodeParams(AugmentStage.self, params), inputs: StageInputs(["dataset": artifact]), context: context)
    return output
}

func scratchFolder() throws -> URL { try makeTemporaryFolder("augment") }

/// The JSONL text of a split in an artifact folder.
func splitText(_ folder: URL, _ split: String) throws -> String {
    try String(contentsOf: folder.appendingPathComponent("\(split).jsonl"), encoding: .utf8)
}
