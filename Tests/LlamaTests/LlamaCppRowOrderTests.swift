import Foundation
import GGUF
import Llama
import Safetensors
import Testing

@Suite("llama.cpp's q/k row order")
struct LlamaCppRowOrderTests {
    /// GGUF name -> Hugging Face name for one block's tensors (and the globals).
    static func huggingFaceName(_ gguf: String) -> String? {
        let globals = ["token_embd.weight": "model.embed_tokens.weight", "output.weight": "lm_head.weight",
                       "output_norm.weight": "model.norm.weight"]
        if let name = globals[gguf] { return name }
        let parts = gguf.split(separator: ".")
        guard parts.count == 4, parts[0] == "blk" else { return nil }
        let local = ["attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                     "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                     "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"]
        guard let mapped = local[String(parts[2])] else { return nil }
        return "model.layers.\(parts[1]).\(mapped).\(parts[3])"
    }

    @Test("tiny-f32.gguf holds the safetensors weights once q/k rows are in Hugging Face order, and back")
    func tinyF32MatchesSafetensors() throws {
        let gguf = try GGUFFile(contentsOf: Paths.tiny.appendingPathComponent("gguf/tiny-f32.gguf"))
        let hf = try SafetensorsFile(contentsOf: Paths.tiny.appendingPathComponent("model.safetensors"))
        let config = try LlamaConfig(gguf: gguf)
        var compared = 0
        for tensor in gguf.tensors {
            guard let name = Self.huggingFaceName(tensor.name) else { continue }
            let info = try #require(hf.info(name), "\(name) missing")
            #expect(info.shape == tensor.shape, "\(tensor.name)")
            var values = try gguf.floats(of: tensor)
            let kind: LlamaTensor? = tensor.name.hasSuffix("attn_q.weight") ? .wq : tensor.name.hasSuffix("attn_k.weight") ? .wk : nil
            if let kind {
                let order = try #require(LlamaCppRowOrder(kind, config: config))
                let stored = values
                values = order.toHuggingFace(values)
                #expect(values != stored)
                #expect(order.toGGUF(values) == stored)
            }
            #expect(values == (try hf.floats(name)), "\(tensor.name) differs from \(name)")
            compared += 1
        }
        #expect(compared == hf.tensorNames.count)
    }

    @Test("a head's rows are interleaved by halves as llama.cpp's converter does, each head on its own")
    func rowsOfTwoHeads() {
        // Two heads of 4 rows of 2, rows numbered: Hugging Face [0, 1, 2, 3 | 4, 5, 6, 7] -> GGUF [0, 2, 1, 3 | 4, 6, 5, 7].
        let order = LlamaCppRowOrder(heads: 2, headSize: 4)
        let hf: [Float] = (0..<8).flatMap { [Float($0), Float($0)] }
        let gguf: [Float] = [0, 2, 1, 3, 4, 6, 5, 7].flatMap { [Float($0), Float($0)] }
        #expect(order.toGGUF(hf) == gguf)
        #expect(order.toHuggingFace(gguf) == hf)
        #expect((0..<8).map(order.ggufRow) == [0, 2, 1, 3, 4, 6, 5, 7])
    }

    @Test("ggufRow and huggingFaceRow undo each other on every row")
    func rowMapsAreInverses() {
        let order = LlamaCppRowOrder(heads: 3, headSize: 6)
        #expect((0..<order.rows).allSatisfy { order.huggingFaceRow(order.ggufRow($0)) == $0 })
        #expect((0..<order.rows).allSatisfy { order.ggufRow(order.huggingFaceRow($0)) == $0 })
        #expect(Set((0..<order.rows).map(order.ggufRow)) == Set(0..<order.rows))
    }

    @Test("only Llama's and Mistral's q/k weights and biases are reordered, k by the KV heads")
    func whichTensorsAreReordered() {
        let llama = LlamaConfig(vocabSize: 10, hiddenSize: 16, intermediateSize: 16, layerCount: 1, headCount: 4, kvHeadCount: 2)
        var qwen2 = llama
        qwen2.modelType = .qwen2
        #expect(LlamaCppRowOrder(.wq, config: llama) == LlamaCppRowOrder(heads: 4, headSize: 4))
        #expect(LlamaCppRowOrder(.bk, config: llama) == LlamaCppRowOrder(heads: 2, headSize: 4))
        #expect(LlamaCppRowOrder(.wv, config: llama) == nil)
        #expect(LlamaCppRowOrder(.wq, config: qwen2) == nil)
    }
}

extension LlamaCppRowOrder {
    /// `values` (rows, rowLength) in Hugging Face order.
    func toHuggingFace(_ values: [Float]) -> [Float] {
        var out = values
        let rowLength = values.count / rows
        out.withUnsafeMutableBufferPointer { toHuggingFace($0.baseAddress!, rowLength: rowLength) }
        return out
    }

    /// `values` (rows, rowLength) in GGUF order.
    func toGGUF(_ values: [Float]) -> [Float] {
        var out = values
        let rowLength = values.count / rows
        out.withUnsafeMutableBufferPointer { toGGUF($0.baseAddress!, rowLength: rowLength) }
        return out
    }
}
