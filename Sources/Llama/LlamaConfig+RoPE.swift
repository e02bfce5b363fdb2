// Rotary frequencies: plain RoPE (theta^(-2i/HS)) and Llama 3.1's scaling,
// which slows the low frequencies by `factor` and blends the middle band.

import Foundation

/// Llama 3.1 `rope_type: "llama3"` parameters.
public struct RopeScaling: Codable, Sendable, Equatable {
    public var factor: Double
    public var lowFreqFactor: Double
    public var highFreqFactor: Double
    public var originalMaxPositionEmbeddings: Int

    public init(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositionEmbeddings: Int) {
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }

    /// Checks the factors are finite, positive and ordered (NaN and infinities are refused).
    func validate(key: String) throws {
        for (name, value) in [
            ("factor", factor), ("low_freq_factor", lowFreqFactor), ("high_freq_factor", highFreqFactor),
        ]
        where !(value.isFinite && value > 0) {
            throw LlamaError.invalidConfig(
                key: "\(key).\(name)", reason: "expected a finite positive number, got \(value)")
        }
        guard highFreqFactor > lowFreqFactor, originalMaxPositionEmbeddings > 0 else {
            throw LlamaError.invalidConfig(
                key: key,
                reason: "llama3 rope needs low_freq_factor < high_freq_factor "
                    + "and a positive original_max_position_embeddings")
        }
    }
}

/// `rope_parameters` (transformers 5) or `rope_scaling` (older files).
struct RopeParameters: Codable {
    var ropeTheta: Double?
    var ropeType: String?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Int?

    enum CodingKeys: String, CodingKey {
        case ropeTheta = "rope_theta", ropeType = "rope_type", type, factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }

    init(scaling s: RopeScaling) {
        ropeType = "llama3"
        factor = s.factor
        lowFreqFactor = s.lowFreqFactor
        highFreqFactor = s.highFreqFactor
        originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        ropeType =
            try c.decodeIfPresent(String.self, forKey: .ropeType) ?? c.decodeIfPresent(String.self, forKey: .type)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor)
        lowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .lowFreqFactor)
        highFreqFactor = try c.decodeIfPresent(Double.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(ropeTheta, forKey: .ropeTheta)
        try c.encodeIfPresent(ropeType, forKey: .ropeType)
        try c.encodeIfPresent(factor, forKey: .factor)
        try c.encodeIfPresent(lowFreqFactor, forKey: .lowFreqFactor)
        try c.encodeIfPresent(highFreqFactor, forKey: .highFreqFactor)
        try c.encodeIfPresent(originalMaxPositionEmbeddings, forKey: .originalMaxPositionEmbeddings)
    }

    /// The scaling these parameters describe: nil for default rope; an error
    /// for types this module does not implement.
    func scaling(key: String) throws -> RopeScaling? {
        switch ropeType ?? "default" {
        case "default": return nil
        case "llama3":
            guard let factor, let lowFreqFactor, let highFreqFactor, let originalMaxPositionEmbeddings,
                factor > 0, highFreqFactor > lowFreqFactor, lowFreqFactor > 0, originalMaxPositionEmbeddings > 0
            else {
                throw LlamaError.invalidConfig(
                    key: key,
                    reason: "llama3 rope needs positive factor, low_freq_factor < "
                        + "high_freq_factor and original_max_position_embeddings")
            }
            let scaling = RopeScaling(factor: factor, lowFreqFactor: lowFreqFactor, highFreqFactor: highFreqFactor,
                                      originalMaxPositionEmbeddings: originalMaxPositionEmbeddings)
            try scaling.validate(key: key)
            return scaling
        case let other:
            throw LlamaError.invalidConfig(
                key: "\(key).rope_type", reason: "\"\(other)\" is not supported (default and llama3 are)")
        }
    }
}

extension LlamaConfig {
    /// The HS/2 inverse frequencies of the rotary embedding, as transformers
    /// computes them (float32), with Llama 3.1 scaling when configured.
    public func ropeInverseFrequencies() -> [Float] {
        let D = headDim / 2
        var inv: [Float] = (0..<D).map { i in
            Float(1.0 / pow(ropeTheta, Double(Float(2 * i) / Float(headDim))))
        }
        guard let s = ropeScaling else { return inv }
        let old = Double(s.originalMaxPositionEmbeddings)
        let lowWavelen = old / s.lowFreqFactor, highWavelen = old / s.highFreqFactor
        for i in 0..<D {
            let f = Double(inv[i])
            let wavelen = 2 * Double.pi / f
            if wavelen < highWavelen { continue }
            if wavelen > lowWavelen {
                inv[i] = Float(f / s.factor)
            } else {
                let smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor)
                inv[i] = Float((1 - smooth) * f / s.factor + smooth * f)
            }
        }
        return inv
    }
}
