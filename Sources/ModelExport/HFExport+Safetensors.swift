// The weights of a Hugging Face export: one `model.safetensors` when all tensors fit in
// `maxShardBytes`, else shards `model-00001-of-0000N.safetensors` (tensors in transformers'
// order, a new shard started before a tensor that would overflow the current one) and
// `model.safetensors.index.json`:
//
//   {"metadata": {"total_size": <bytes of all tensors>},
//    "weight_map": {"<tensor name>": "<shard file>", ...}}   names sorted
//
// Each file carries `__metadata__` {"format": "pt"}. One shard is in memory at a time.

import Foundation
import JSON
import Llama
import Safetensors

extension HFExport {
    /// The shard files of a checkpoint: which tensor instances go in which file, in order.
    static func shardPlan(_ config: LlamaConfig, maxShardBytes: Int) -> [[(tensor: LlamaTensor, layer: Int)]] {
        var shards: [[(tensor: LlamaTensor, layer: Int)]] = [[]]
        var bytes = 0
        for item in HFWeights.order(config) {
            let size = item.tensor.instanceSize(config) * 4
            if bytes + size > maxShardBytes && !shards[shards.count - 1].isEmpty {
                shards.append([])
                bytes = 0
            }
            shards[shards.count - 1].append(item)
            bytes += size
        }
        return shards
    }

    /// transformers' shard file name.
    static func shardName(_ index: Int, of count: Int) -> String {
        func five(_ n: Int) -> String { String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n) }
        return "model-\(five(index + 1))-of-\(five(count)).safetensors"
    }

    static func writeSafetensors(_ weights: HFWeights, to folder: URL, maxShardBytes: Int) throws {
        let config = weights.model.config
        let plan = shardPlan(config, maxShardBytes: maxShardBytes)
        var weightMap: [(key: String, value: JSONValue)] = []
        var total = 0
        for (index, shard) in plan.enumerated() {
            let file = plan.count == 1 ? "model.safetensors" : shardName(index, of: plan.count)
            var writer = SafetensorsWriter()
            writer.metadata = ["format": "pt"]
            for (t, l) in shard {
                let name = t.huggingFaceName(layer: l)
                let data = try weights.data(t, layer: l)
                try writer.add(name, dtype: .f32, shape: t.shape(config), data: data)
                weightMap.append((key: name, value: .string(file)))
                total += data.count
            }
            try writer.write(to: folder.appendingPathComponent(file))
        }
        guard plan.count > 1 else { return }
        let index: JSONValue = [
            "metadata": ["total_size": .number(Double(total))],
            "weight_map": .object(weightMap.sorted { $0.key < $1.key }),
        ]
        try writeText(index.prettyText, to: folder.appendingPathComponent("model.safetensors.index.json"))
    }
}
