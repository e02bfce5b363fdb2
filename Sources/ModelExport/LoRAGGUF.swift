// A LoRA adapter as llama.cpp's adapter GGUF (what `--lora FILE` loads over a base model):
//
//   metadata  general.architecture  the base model's (llama.cpp refuses an adapter of another one)
//             general.type = "adapter", adapter.type = "lora", general.name, general.file_type = 0
//             adapter.lora.alpha    float32; llama.cpp scales B·A by alpha / r with r read from lora_b,
//                                   so alpha is written as scale · r (rsLoRA's alpha / sqrt(r) included)
//   tensors   per layer and adapted projection, F32:
//             <base name>.lora_a  dims [IN, r]   = PEFT's lora_A (r, IN), as stored
//             <base name>.lora_b  dims [r, OUT]  = PEFT's lora_B (OUT, r); for attn_q / attn_k of llama
//                                                  files its rows are reordered like the base's rows
//             where <base name> is the base tensor's GGUF name (`blk.0.attn_q.weight`)
//
// llama.cpp checks that lora_a's ne0 and lora_b's ne1 match the base tensor and that lora_a's ne1
// equals lora_b's ne0 (the rank).

import Foundation
import GGUF
import Llama

extension GGUFExport {
    /// Writes `adapter` as a llama.cpp LoRA GGUF for a base model of `config`, to a temporary name, then renamed.
    public static func writeLoRA(_ adapter: LoRAAdapter, config: LlamaConfig, name: String, to url: URL) throws {
        try checkFits(adapter, config)
        let architecture = try Self.architecture(config)
        let alpha = adapter.scale * Float(adapter.rank)
        guard alpha != 0, alpha.isFinite else { throw GGUFExportError.unrepresentableLoRAScale(adapter.scale) }
        var writer = try GGUFWriter()
        try writer.set("general.architecture", .string(architecture))
        try writer.set("general.type", .string("adapter"))
        try writer.set("general.name", .string(name))
        try writer.set("general.file_type", .uint32(QuantizationType.f32.fileType))
        try writer.set("adapter.type", .string("lora"))
        try writer.set("adapter.lora.alpha", .float32(alpha))
        let r = adapter.rank
        for l in 0..<config.layerCount {
            for t in adapter.targets {
                let IN = adapter.inputSize(t), OUT = adapter.outputSize(t)
                let base = t.ggufName(layer: l)
                let heads = ropeHeads(t, config: config, architecture: architecture)
                let a = Data(bytes: adapter.a(t, layer: l), count: r * IN * 4)
                let bRows = adapter.b(t, layer: l)
                var b = Data(count: OUT * r * 4)
                b.withUnsafeMutableBytes { raw in
                    let dst = raw.bindMemory(to: Float.self)
                    for g in 0..<OUT {
                        let source = heads.map { ggufRowSource(g, rows: OUT, heads: $0) } ?? g
                        for k in 0..<r { dst[g * r + k] = bRows[source * r + k] }
                    }
                }
                try writer.addTensor(name: base + ".lora_a", type: .f32, dimensions: [IN, r], data: a)
                try writer.addTensor(name: base + ".lora_b", type: .f32, dimensions: [r, OUT], data: b)
            }
        }
        try write(writer, to: url)
    }

    /// Throws unless the adapter's matrices have the shapes of `config`'s layers.
    static func checkFits(_ adapter: LoRAAdapter, _ config: LlamaConfig) throws {
        let a = adapter.config
        guard a.layerCount == config.layerCount else {
            throw GGUFExportError.adapterShapeMismatch("\(a.layerCount) layers, the base has \(config.layerCount)")
        }
        for t in adapter.targets where t.shape(a) != t.shape(config) {
            let module = t.moduleName ?? "\(t)"
            throw GGUFExportError.adapterShapeMismatch("\(module) is \(t.shape(a)), the base's is \(t.shape(config))")
        }
    }
}
