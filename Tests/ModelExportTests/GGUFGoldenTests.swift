import Crypto
import Foundation
import Testing
import Llama
import ModelExport

/// Exact bytes of small exports: any change to the layout, metadata, permutation or quantizers shows here.
/// After an intended change, check the files with llama.cpp (scripts/interop/gguf.sh) and update the digests.
@Suite("Golden bytes of small GGUF exports")
struct GGUFGoldenTests {
    /// A fixed model: seeded random weights over the tiny vocabulary; 1 layer, width 256, 4 heads (2 kv).
    static func model() -> LlamaModel {
        let config = LlamaConfig(vocabSize: 300, hiddenSize: 256, intermediateSize: 512, layerCount: 1, headCount: 4,
                                 kvHeadCount: 2, maxPositionEmbeddings: 128, bosTokenId: 298, eosTokenIds: [299])
        return LlamaModel(config: config, seed: 11)
    }

    static let digests: [QuantizationType: String] = [
        .f32: "e0b2ef428e5ed66a33f0d71dc41eb00e9c3646819579729044e04f880e971f5c",
        .q8_0: "d0ef8fff4f518ab758081b100950eca63f3fe13014ddfc1c58df255daf65f8ca",
        .q4_k_m: "1094711c87bbf5e2b90e35d7be517e579896d2e764cfef7f6ce63998a549a75a",
    ]

    @Test("the fixed model's exports have known SHA-256 digests", arguments: [QuantizationType.f32, .q8_0, .q4_k_m])
    func modelDigest(type: QuantizationType) throws {
        let scratch = try Scratch()
        let out = scratch.file("golden.gguf")
        try GGUFExport.writeModel(Self.model(), tokenizer: try Tiny.tokenizer(), template: nil, type: type,
                                  name: "golden", to: out)
        let digest = SHA256.hash(data: try Data(contentsOf: out)).map { String(format: "%02x", $0) }.joined()
        #expect(digest == Self.digests[type], "\(type)")
    }

    @Test("the tiny PEFT adapter's LoRA GGUF has a known SHA-256 digest")
    func loraDigest() throws {
        let scratch = try Scratch()
        let config = try LlamaModel(ggufAt: Tiny.f32).config
        let out = scratch.file("lora.gguf")
        try GGUFExport.writeLoRA(try LoRAAdapter(peftFolder: Tiny.adapter, config: config), config: config,
                                 name: "adapter", to: out)
        let digest = SHA256.hash(data: try Data(contentsOf: out)).map { String(format: "%02x", $0) }.joined()
        #expect(digest == "200ba401a7e9046996f721dcbcfb6f9cb144c75d10bfc9985b8e786ecfdafe41")
    }
}
