import Foundation
import GGUF
import Testing

@Suite("Reading GGUF files")
struct GGUFFileTests {
    @Test("the demo model opens with its llama metadata and every tensor")
    func demoModel() throws {
        let file = try GGUFFile(contentsOf: Fixtures.demoModel)
        #expect(file.version == 3)
        #expect(file.metadata.string("general.architecture") == "llama")
        #expect(file.metadata.int("llama.block_count") == 30)
        #expect(file.metadata.int("llama.embedding_length") == 576)
        #expect(file.metadata.int("llama.attention.head_count") == 9)
        #expect(file.metadata.int("llama.attention.head_count_kv") == 3)
        #expect(file.metadata.stringArray("tokenizer.ggml.tokens")?.count == 49152)
        #expect(file.metadataKeys.count == file.metadata.count)
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(file.tensors.count == 272)
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions == [576, 49152])
        let q = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(q.dimensions == [576, 576])
        #expect(q.type == .q4_1)
        #expect(file.tensors.allSatisfy { $0.fileOffset % file.alignment == 0 })
        let values = try file.floats(of: q)
        #expect(values.count == 576 * 576)
        #expect(values.allSatisfy { $0.isFinite })
    }

    @Test("the tiny GGUFs load with their metadata and tensor shapes")
    func tinyFiles() throws {
        for name in ["f32", "q8_0", "q4_1", "q4_0"] {
            let url = Fixtures.reference.appendingPathComponent("tiny/gguf/tiny-\(name).gguf")
            let file = try GGUFFile(contentsOf: url)
            #expect(file.metadata.string("general.architecture") == "llama")
            #expect(file.metadata.int("llama.block_count") == 2)
            #expect(file.metadata.int("llama.embedding_length") == 64)
            #expect(file.metadata.int("llama.attention.head_count") == 4)
            #expect(file.metadata.int("llama.attention.head_count_kv") == 2)
            #expect(file.metadata.stringArray("tokenizer.ggml.tokens")?.count == 300)
            #expect(file.metadata.string("tokenizer.ggml.pre") == "gpt-2")
            #expect(file.tensor(named: "blk.0.attn_q.weight")?.dimensions == [64, 64])
            #expect(file.tensor(named: "blk.0.attn_k.weight")?.dimensions == [64, 32])
            #expect(file.tensor(named: "blk.1.ffn_up.weight")?.dimensions == [64, 160])
            #expect(file.tensor(named: "token_embd.weight")?.dimensions == [64, 300])
            for tensor in file.tensors {
                let values = try file.floats(of: tensor)
                #expect(values.count == tensor.elementCount)
            }
        }
    }
}
