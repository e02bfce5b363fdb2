// Exports a model to ONNX and writes pipe's own logits for a few token batches beside it,
// for `check_onnx.py` to compare onnxruntime against (run by `scripts/interop/onnx.sh`).
//
//     onnx-interop <GGUF file or Hugging Face folder> <output folder> [--adapter <PEFT folder>] [--external-data]
//     onnx-interop random:qwen2 | random:mistral <output folder>
//
// The random models cover what the fixtures do not: q/k/v biases, tied embeddings, three query
// heads per kv head and Llama 3.1 rope scaling (qwen2); a sliding window shorter than the
// sequence (mistral).
//
// Writes <output folder>/model.onnx (with model.onnx.data when external) and expected.json:
//     {"cases": [{"name", "input_ids" (B, T), "attention_mask" (B, T), "logits" (B·T·V floats)}]}

import Foundation
import Llama
import ONNX
import Tensor

struct Case: Encodable {
    let name: String
    let input_ids: [[Int]]
    let attention_mask: [[Int]]
    let logits: [Float]
}

/// A small random model of a variant the fixtures lack, with random (not zero) biases.
func randomModel(_ variant: String) throws -> LlamaModel {
    let config: LlamaConfig
    switch variant {
    case "qwen2":
        config = LlamaConfig(modelType: .qwen2, vocabSize: 256, hiddenSize: 96, intermediateSize: 192, layerCount: 2,
                             headCount: 6, kvHeadCount: 2, ropeTheta: 500_000,
                             ropeScaling: RopeScaling(factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                                      originalMaxPositionEmbeddings: 8),
                             tieWordEmbeddings: true, attentionBias: true)
    case "mistral":
        config = LlamaConfig(modelType: .mistral, vocabSize: 256, hiddenSize: 64, intermediateSize: 128, layerCount: 2,
                             headCount: 4, kvHeadCount: 1, slidingWindow: 4)
    default:
        fail("unknown random model \(variant) (qwen2 or mistral)")
    }
    // std 0.2: logits of order one, so a wrong mask or rotation shows far above the tolerance.
    let parameters = LlamaParameters(config: config, seed: 3, std: 0.2)
    var rng = Xoshiro256(seed: 4)
    for t in [LlamaTensor.bq, .bk, .bv] where t.exists(in: config) {
        rng.fillNormal(parameters.pointer(t), parameters.sizes[t.rawValue], std: 0.5)
    }
    return LlamaModel(parameters: parameters)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("onnx-interop: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var adapterPath: String?
var externalData = false
if let i = arguments.firstIndex(of: "--external-data") {
    externalData = true
    arguments.remove(at: i)
}
if let i = arguments.firstIndex(of: "--adapter"), i + 1 < arguments.count {
    adapterPath = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
}
guard arguments.count == 2 else {
    fail("usage: onnx-interop <GGUF file or Hugging Face folder> <output folder> "
         + "[--adapter <PEFT folder>] [--external-data]")
}
let source = URL(fileURLWithPath: arguments[0]), folder = URL(fileURLWithPath: arguments[1])

do {
    let model: LlamaModel
    if arguments[0].hasPrefix("random:") {
        model = try randomModel(String(arguments[0].dropFirst("random:".count)))
    } else {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder)
        // Float weights only, so pipe's logits come from the same numbers the export writes.
        model = isFolder.boolValue ? try LlamaModel(huggingFaceFolder: source)
                                   : try LlamaModel(ggufAt: source, keepQuantized: false)
    }
    if let adapterPath {
        model.adapters = [try LoRAAdapter(peftFolder: URL(fileURLWithPath: adapterPath), config: model.config)]
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let start = Date()
    try ONNXExport.write(model, to: folder.appendingPathComponent("model.onnx"),
                         externalData: externalData ? true : nil)
    print(String(format: "exported %@ in %.1f s", source.lastPathComponent, Date().timeIntervalSince(start)))

    let V = model.config.vocabSize, T = 10
    let ids = (0..<2).map { b in (0..<T).map { t in (17 + 7919 * t + 104_729 * b * (t + 3)) % V } }
    let full = [[Int]](repeating: [Int](repeating: 1, count: T), count: 2)
    let rightPadded = [full[0], (0..<T).map { $0 < T - 3 ? 1 : 0 }]
    var cases: [Case] = []
    for (name, mask) in [("batch", full), ("right-padded", rightPadded)] {
        let logits = try model.logits(ids, attentionMask: mask)
        cases.append(Case(name: name, input_ids: ids, attention_mask: mask, logits: logits))
    }
    try JSONEncoder().encode(["cases": cases]).write(to: folder.appendingPathComponent("expected.json"))
} catch {
    fail("\(error)")
}
