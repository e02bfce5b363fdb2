// The memory limits of decoding: a plain read of a buffer far larger than the caches, and the
// bytes of weights one generated token reads.
import Dispatch
import Foundation
import Llama
import Tensor

/// GB/s of summing 1 GB as 32-byte vectors, best of 5, with 1 and with 2 threads.
func measureReadBandwidth(bytes: Int = 1 << 30) -> (one: Double, two: Double) {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
    let base = UnsafeSendable(UnsafeRawPointer(buffer))
    func rate(threads: Int) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let sums = UnsafeSendable(UnsafeMutablePointer<SIMD8<UInt32>>.allocate(capacity: threads))
            defer { sums.value.deallocate() }
            let start = DispatchTime.now()
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                var a0 = SIMD8<UInt32>(), a1 = SIMD8<UInt32>()
                let n = bytes / 64
                for i in n * part / threads ..< n * (part + 1) / threads {
                    a0 &+= base.value.load(fromByteOffset: 64 * i, as: SIMD8<UInt32>.self)
                    a1 &+= base.value.load(fromByteOffset: 64 * i + 32, as: SIMD8<UInt32>.self)
                }
                sums.value[part] = a0 &+ a1
            }
            best = min(best, seconds(since: start))
            if sums.value[0].wrappedSum() == 42 { print("") }
        }
        return Double(bytes) / best / 1e9
    }
    return (rate(threads: 1), rate(threads: 2))
}

/// Bytes of weights one decoded token reads: the quantized matrices as stored, the other linear
/// weights and the head as float32 (norms and the embedding row are negligible).
func decodeWeightBytes(_ model: LlamaModel) -> Int {
    let c = model.config
    var bytes = 0
    for t in [LlamaTensor.wq, .wk, .wv, .wo, .wGate, .wUp, .wDown] {
        for l in 0..<c.layerCount {
            if let m = model.quantized?.matrix(t, layer: l) {
                bytes += m.rows * m.rowBytes
            } else {
                bytes += t.shape(c).reduce(1, *) * 4
            }
        }
    }
    if let head = model.quantized?.output {
        bytes += head.rows * head.rowBytes
    } else {
        bytes += c.vocabSize * c.hiddenSize * 4
    }
    return bytes
}
