import Foundation
import Testing
import Llama

@Suite("LlamaConfig reads Hugging Face config.json files")
struct LlamaConfigTests {
    private func decode(_ json: String) throws -> LlamaConfig {
        try JSONDecoder().decode(LlamaConfig.self, from: Data(json.utf8))
    }

    private let base = """
        "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 8
        """

    @Test("the tiny reference config gives the sizes of the README, rope_theta from rope_parameters")
    func tiny() throws {
        let c = try LlamaConfig(contentsOf: Paths.tiny.appendingPathComponent("config.json"))
        #expect(c.modelType == .llama && c.vocabSize == 300 && c.hiddenSize == 64 && c.layerCount == 2)
        #expect(c.headCount == 4 && c.kvHeadCount == 2 && c.headDim == 16 && c.intermediateSize == 160)
        #expect(c.rmsNormEps == 1e-5 && c.ropeTheta == 10000 && !c.tieWordEmbeddings && c.eosTokenIds == [2])
    }

    @Test("defaults: kv heads = heads, head_dim = hidden/heads, rope_theta 10000, untied, no bias")
    func defaults() throws {
        let c = try decode("{\"model_type\": \"llama\", \(base)}")
        #expect(c.kvHeadCount == 8 && c.headDim == 8 && c.ropeTheta == 10000 && !c.tieWordEmbeddings && !c.attentionBias)
    }

    @Test("a top-level rope_theta, a list of eos ids and tied embeddings are read")
    func oldStyle() throws {
        let c = try decode("{\"architectures\": [\"MistralForCausalLM\"], \(base), \"rope_theta\": 500000.0, \"eos_token_id\": [5, 7], \"tie_word_embeddings\": true}")
        #expect(c.modelType == .mistral && c.ropeTheta == 500000 && c.eosTokenIds == [5, 7] && c.tieWordEmbeddings)
        #expect(c.slidingWindow == nil)
        let windowed = try decode("{\"model_type\": \"mistral\", \(base), \"sliding_window\": 4096}")
        #expect(windowed.slidingWindow == 4096)
    }

    @Test("Qwen2 has q/k/v biases by default")
    func qwen2() throws {
        let c = try decode("{\"model_type\": \"qwen2\", \(base)}")
        #expect(c.attentionBias)
        #expect(parameterSizes(c)[LlamaTensor.bq.rawValue] == 2 * 64)
    }

    @Test("an unknown architecture, an unsupported rope type and inconsistent heads are refused with a reason")
    func refusals() throws {
        #expect(throws: LlamaError.unsupportedArchitecture("gpt2")) { try decode("{\"model_type\": \"gpt2\", \(base)}") }
        #expect(throws: LlamaError.self) {
            try decode("{\"model_type\": \"llama\", \(base), \"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 1e4}}")
        }
        #expect(throws: LlamaError.self) { try decode("{\"model_type\": \"llama\", \(base), \"num_key_value_heads\": 3}") }
    }

    @Test("float hyper-parameters must be finite and in range: rms_norm_eps, rope_theta, rope scaling factors",
          arguments: [
            #""rms_norm_eps": 1e39"#, #""rms_norm_eps": 0"#, #""rms_norm_eps": 1.5"#, #""rms_norm_eps": -1e-6"#,
            #""rope_theta": 1e309"#, #""rope_theta": 1e300"#, #""rope_theta": 0.5"#, #""rope_theta": -10000"#,
            #""rope_scaling": {"rope_type": "llama3", "factor": 1e309, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}"#,
            #""rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 1e309, "original_max_position_embeddings": 8192}"#,
          ])
    func floatRanges(entry: String) throws {
        #expect(throws: (any Error).self) { try decode("{\"model_type\": \"llama\", \(base), \(entry)}") }
    }

    @Test("an infinite rms_norm_eps or rope_theta set in code is refused by validate()")
    func infiniteInCode() throws {
        var config = try decode("{\"model_type\": \"llama\", \(base)}")
        config.rmsNormEps = .infinity
        #expect(throws: LlamaError.self) { try config.validate() }
        config.rmsNormEps = 1e-5
        config.ropeTheta = .infinity
        #expect(throws: LlamaError.self) { try config.validate() }
        config.ropeTheta = 10000
        try config.validate()
    }

    @Test("Llama 3.1 rope scaling gives transformers' inverse frequencies, from rope_parameters or rope_scaling")
    func llama3Rope() throws {
        let scaling = "\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192"
        let sizes = "\"vocab_size\": 10, \"hidden_size\": 256, \"intermediate_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 2"
        let new = try decode("{\"model_type\": \"llama\", \(sizes), \"rope_parameters\": {\"rope_theta\": 500000.0, \(scaling)}}")
        let old = try decode("{\"model_type\": \"llama\", \(sizes), \"rope_theta\": 500000.0, \"rope_scaling\": {\(scaling)}}")
        #expect(new == old && new.ropeScaling?.factor == 8)
        let inv = new.ropeInverseFrequencies()
        // Computed with transformers' formula (float32 frequencies) in numpy.
        let expected: [Int: Float] = [0: 1.0, 20: 0.016560440883040428, 40: 3.428102354519069e-05,
                                      45: 1.2297638932068367e-05, 50: 4.411534519022098e-06, 63: 3.068925877869333e-07]
        for (i, e) in expected { #expect(abs(inv[i] - e) <= 1e-6 * e, "frequency \(i): \(inv[i]) vs \(e)") }
        #expect(try JSONDecoder().decode(LlamaConfig.self, from: JSONEncoder().encode(new)) == new)
    }

    @Test("a config survives encoding to Hugging Face names and decoding back")
    func roundTrip() throws {
        let c = LlamaConfig(modelType: .qwen2, vocabSize: 10, hiddenSize: 8, intermediateSize: 16, layerCount: 1,
                            headCount: 2, kvHeadCount: 1, ropeTheta: 1e6, tieWordEmbeddings: true,
                            attentionBias: true, eosTokenIds: [3, 4])
        let json = try JSONEncoder().encode(c)
        #expect(String(decoding: json, as: UTF8.self).contains("\"num_key_value_heads\":1"))
        #expect(try JSONDecoder().decode(LlamaConfig.self, from: json) == c)
    }

    @Test("GGUF metadata of the tiny model gives the same configuration as its config.json")
    func gguf() throws {
        let model = try LlamaModel(ggufAt: Paths.tiny.appendingPathComponent("gguf/tiny-f32.gguf"))
        let folder = try LlamaConfig(contentsOf: Paths.tiny.appendingPathComponent("config.json"))
        let c = model.config
        #expect(c.vocabSize == folder.vocabSize && c.hiddenSize == folder.hiddenSize && c.layerCount == folder.layerCount)
        #expect(c.headCount == folder.headCount && c.kvHeadCount == folder.kvHeadCount && c.headDim == folder.headDim)
        #expect(c.intermediateSize == folder.intermediateSize && c.tieWordEmbeddings == folder.tieWordEmbeddings)
        #expect(abs(c.rmsNormEps - folder.rmsNormEps) < 1e-9 && c.ropeTheta == folder.ropeTheta)
    }
}
