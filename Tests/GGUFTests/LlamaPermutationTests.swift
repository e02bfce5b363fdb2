import Foundation
import GGUF
import Safetensors
import Testing

@Suite("GGUF and Hugging Face layouts")
struct LlamaPermutationTests {
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

    @Test("tiny-f32.gguf holds the safetensors weights once q/k rows are un-permuted")
    func tinyF32MatchesSafetensors() throws {
        let gguf = try GGUFFile(contentsOf: Fixtures.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf"))
        let hf = try SafetensorsFile(contentsOf: Fixtures.reference.appendingPathComponent("tiny/model.safetensors"))
        let heads = try #require(gguf.metadata.int("llama.attention.head_count"))
        let kvHeads = try #require(gguf.metadata.int("llama.attention.head_count_kv"))
        var compared = 0
        for tensor in gguf.tensors {
            guard let name = Self.huggingFaceName(tensor.name) else { continue }
            let info = try #require(hf.info(name), "\(name) missing")
            #expect(info.shape == tensor.shape, "\(tensor.name)")
            var values = try gguf.floats(of: tensor)
            if tensor.name.hasSuffix("attn_q.weight") {
                let permuted = values
                values = try unpermuteLlamaRows(values, rowLength: tensor.rowLength, heads: heads)
                #expect(try permuteLlamaRows(values, rowLength: tensor.rowLength, heads: heads) == permuted)
                #expect(values != permuted)
            } else if tensor.name.hasSuffix("attn_k.weight") {
                values = try unpermuteLlamaRows(values, rowLength: tensor.rowLength, heads: kvHeads)
            }
            #expect(values == (try hf.floats(name)), "\(tensor.name) differs from \(name)")
            compared += 1
        }
        #expect(compared == hf.tensorNames.count)
    }

    @Test("permuting rows moves pairs of a head as llama.cpp's converter does")
    func permutationOnSmallMatrix() throws {
        // One head of 4 rows, rows numbered: HF order [0, 1, 2, 3] -> GGUF order [0, 2, 1, 3].
        let hf: [Float] = [0, 0, 1, 1, 2, 2, 3, 3]
        #expect(try permuteLlamaRows(hf, rowLength: 2, heads: 1) == [0, 0, 2, 2, 1, 1, 3, 3])
        #expect(throws: GGUFError.self) { try permuteLlamaRows(hf, rowLength: 2, heads: 4) }
    }
}
