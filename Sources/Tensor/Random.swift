// A seeded, portable random number generator: xoshiro256** seeded through
// SplitMix64. The same seed gives the same numbers on every platform, and the
// state is Codable so a training checkpoint can carry it.

import Random

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256**: the generator for sampling, initialization and dropout.
public struct Xoshiro256: RandomNumberGenerator, Codable, Sendable, Equatable {
    public var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Standard normal (Box-Muller, one draw per call, two uniforms per draw).
    public mutating func normal() -> Float {
        let u1 = 1 - uniformDouble()  // (0, 1]
        let u2 = uniformDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Normal with the given mean and standard deviation.
    public mutating func normal(mean: Float, std: Float) -> Float {
        mean + std * normal()
    }

    /// Fills `x` (N) with uniform values in [low, high).
    public mutating func fillUniform(_ x: UnsafeMutablePointer<Float>, _ N: Int, _ low: Float, _ high: Float) {
        for i in 0..<N { x[i] = uniform(low, high) }
    }

    /// Fills `x` (N) with normal values.
    public mutating func fillNormal(_ x: UnsafeMutablePointer<Float>, _ N: Int, mean: Float = 0, std: Float) {
        for i in 0..<N { x[i] = normal(mean: mean, std: std) }
    }
}
