import Testing
import GGUF
import Llama
import ModelExport

@Suite("Which ggml type each tensor gets")
struct QuantizationTypeTests {
    /// SmolLM2-135M: 30 layers, width 576 (not a multiple of 256), FFN 1536, tied embeddings.
    let smol = LlamaConfig(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, layerCount: 30, headCount: 9,
                           kvHeadCount: 3, tieWordEmbeddings: true)
    /// A Llama-7B-like shape: 32 layers, width 4096, FFN 11008, untied.
    let wide = LlamaConfig(vocabSize: 32000, hiddenSize: 4096, intermediateSize: 11008, layerCount: 32, headCount: 32)

    @Test("norms stay F32 in every precision, and f16 / bf16 / f32 give every matrix that type")
    func vectorsStayF32() {
        for type in QuantizationType.allCases {
            for t: LlamaTensor in [.attnNorm, .ffnNorm, .finalNorm] {
                #expect(type.ggmlType(for: t, layer: 0, config: smol) == .f32)
            }
        }
        for (type, ggml): (QuantizationType, GGMLType) in [(.f32, .f32), (.f16, .f16), (.bf16, .bf16)] {
            for t: LlamaTensor in [.embed, .wq, .wv, .wDown, .lmHead] {
                #expect(type.ggmlType(for: t, layer: 3, config: wide) == ggml)
            }
        }
    }

    @Test("q4_k_m on a wide model: Q4_K, and Q6_K for the output and attn_v / ffn_down in layers using more bits")
    func q4KMWide() {
        let more: Set<Int> = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]
        for l in 0..<32 {
            let expected: GGMLType = more.contains(l) ? .q6_K : .q4_K
            #expect(QuantizationType.q4_k_m.ggmlType(for: .wv, layer: l, config: wide) == expected, "attn_v \(l)")
            #expect(QuantizationType.q4_k_m.ggmlType(for: .wDown, layer: l, config: wide) == expected, "ffn_down \(l)")
            for t: LlamaTensor in [.wq, .wk, .wo, .wGate, .wUp] {
                #expect(QuantizationType.q4_k_m.ggmlType(for: t, layer: l, config: wide) == .q4_K)
            }
        }
        #expect(QuantizationType.q4_k_m.ggmlType(for: .lmHead, layer: 0, config: wide) == .q6_K)
        #expect(QuantizationType.q4_k_m.ggmlType(for: .embed, layer: 0, config: wide) == .q4_K)
    }

    @Test("q4_k_m on SmolLM2: rows of 576 fall back to Q5_0 / Q8_0, ffn_down (rows of 1536) keeps Q4_K / Q6_K")
    func q4KMSmolLM2() {
        let type = QuantizationType.q4_k_m
        #expect(type.ggmlType(for: .embed, layer: 0, config: smol) == .q8_0)  // tied: the output's rule
        #expect(type.ggmlType(for: .wq, layer: 5, config: smol) == .q5_0)
        #expect(type.ggmlType(for: .wo, layer: 5, config: smol) == .q5_0)
        #expect(type.ggmlType(for: .wv, layer: 0, config: smol) == .q8_0)   // Q6_K, rows of 576
        #expect(type.ggmlType(for: .wv, layer: 4, config: smol) == .q5_0)
        #expect(type.ggmlType(for: .wDown, layer: 0, config: smol) == .q6_K)
        #expect(type.ggmlType(for: .wDown, layer: 4, config: smol) == .q4_K)
        #expect(type.ggmlType(for: .wDown, layer: 5, config: smol) == .q6_K)  // (5 - 3) % 3 == 2
    }

    @Test("32-block types keep their type but for the output: Q6_K, or Q8_0 on rows that are not 256-blocks")
    func legacyTypes() {
        for type: QuantizationType in [.q4_0, .q4_1, .q5_0, .q5_1] {
            #expect(type.ggmlType(for: .wDown, layer: 0, config: wide) == type.defaultType)
            #expect(type.ggmlType(for: .embed, layer: 0, config: wide) == type.defaultType)
            #expect(type.ggmlType(for: .lmHead, layer: 0, config: wide) == .q6_K)
            #expect(type.ggmlType(for: .embed, layer: 0, config: smol) == .q8_0)
        }
        #expect(QuantizationType.q8_0.ggmlType(for: .lmHead, layer: 0, config: wide) == .q8_0)
        #expect(QuantizationType.q6_k.ggmlType(for: .wq, layer: 0, config: smol) == .q8_0)
        #expect(QuantizationType.q6_k.ggmlType(for: .wDown, layer: 0, config: smol) == .q6_K)
    }

    @Test("each precision maps to llama.cpp's file type number and back")
    func fileTypes() {
        #expect(QuantizationType.allCases.map(\.fileType) == [0, 1, 32, 7, 2, 3, 8, 9, 15, 18])
        for type in QuantizationType.allCases { #expect(QuantizationType(fileType: Int(type.fileType)) == type) }
        #expect(QuantizationType(fileType: 10) == nil)
    }
}
