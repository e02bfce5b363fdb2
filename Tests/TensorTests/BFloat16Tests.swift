import Foundation
import Testing
import Tensor

@Suite("bfloat16 weights and products")
struct BFloat16Tests {
    /// Every value a bfloat16 product sees of `x`.
    private func rounded(_ x: [Float]) -> [Float] {
        var r = x
        roundToBFloat16(&r, count: r.count)
        return r
    }

    @Test("rounding is to the nearest bfloat16, ties to even; infinities and NaN survive, denormals become zero")
    func rounding() {
        let ulp = Float(1) / 128  // bfloat16's spacing in [1, 2)
        let cases: [(Float, Float)] = [
            (1, 1), (-2.5, -2.5), (1 + ulp / 2, 1), (1 + 3 * ulp / 2, 1 + 2 * ulp), (1 + ulp * 0.51, 1 + ulp),
            (1 + ulp * 0.49, 1), (.infinity, .infinity), (-.infinity, -.infinity), (1e-40, 0), (-1e-40, 0),
            (Float.greatestFiniteMagnitude, .infinity), (3.0e38, 3.0040553e38),
        ]
        for (x, expected) in cases {
            #expect(rounded([x]) == [expected], "\(x)")
        }
        #expect(rounded([.nan])[0].isNaN)
        let w = BFloat16Matrix(rows: 1, columns: 3, from: [1 + ulp / 2, 1 + 3 * ulp / 2, -0.0])
        var back = [Float](repeating: 9, count: 3)
        w.widen(rows: 0, count: 1, into: &back)
        #expect(back == [1, 1 + 2 * ulp, 0])
        #expect(back[2].sign == .minus)
    }

    /// Every kernel set this CPU runs; the AVX-512 one has the vdpbf16ps kernel where the CPU has BF16.
    static let kernelSets = KernelSet.available

    @Test("forward and input gradient equal the naive products of the rounded operands, with every kernel set",
          arguments: [1, 3])
    func matchesNaive(threads: Int) {
        // odd depths and widths, fewer rows than a micro-kernel, tails of panels, and the demo model's shapes
        let shapes = [(1, 1, 1), (37, 61, 100), (5, 64, 33), (13, 576, 192), (24, 1536, 576), (12, 2, 31),
                      (13, 4099, 40), (7, 48, 2048)]  // depth in blocks, odd; a 4 KB row stride
        for (seed, (N, IN, OUT)) in shapes.enumerated() {
            var f = Fixture(seed: UInt64(seed))
            let x = f.normals(N * IN), dy = f.normals(N * OUT), wf = f.normals(OUT * IN, std: 0.05)
            let bias = f.normals(OUT)
            let w = BFloat16Matrix(rows: OUT, columns: IN, from: wf)
            let xr = rounded(x), dyr = rounded(dy), wr = rounded(wf)
            let forward = Naive.matmul(xr.map(Double.init), wr.map(Double.init), bias.map(Double.init), N, IN, OUT)
            // dx = dy · w: the naive forward with w transposed
            var wt = [Double](repeating: 0, count: IN * OUT)
            for o in 0..<OUT { for i in 0..<IN { wt[i * OUT + o] = Double(wr[o * IN + i]) } }
            let start = f.normals(N * IN)
            let backward = zip(Naive.matmul(dyr.map(Double.init), wt, nil, N, OUT, IN), start).map { $0 + Double($1) }
            let scaleF = Float(IN).squareRoot() * 1e-5, scaleB = Float(OUT).squareRoot() * 1e-5
            for kernels in Self.kernelSets {
                var out = [Float](repeating: 7, count: N * OUT)
                bf16MatmulForward(&out, x, w, bias, N, threads: threads, kernels: kernels)
                #expect(maxAbsDiff(out, forward.map(Float.init)) < scaleF, "forward \(N)x\(IN)x\(OUT) \(kernels)")
                var sum = out
                bf16MatmulForward(&sum, x, w, nil, N, accumulate: true, threads: threads, kernels: kernels)
                let twice = (0..<N * OUT).map { Float(2 * forward[$0] - Double(bias[$0 % OUT])) }
                #expect(maxAbsDiff(sum, twice) < 2 * scaleF, "accumulate \(N)x\(IN)x\(OUT) \(kernels)")
                var dx = start
                bf16MatmulBackwardInput(&dx, dy, w, N, threads: threads, kernels: kernels)
                #expect(maxAbsDiff(dx, backward.map(Float.init)) < scaleB, "input gradient \(N)x\(IN)x\(OUT) \(kernels)")
            }
        }
    }

    @Test("rows of the output and of the gradient's input can lie further apart than their width")
    func strided() {
        var f = Fixture(seed: 21)
        let N = 6, IN = 40, OUT = 70, ld = 83
        let x = f.normals(N * IN), w = BFloat16Matrix(rows: OUT, columns: IN, from: f.normals(OUT * IN))
        for kernels in Self.kernelSets {
            var dense = [Float](repeating: 0, count: N * OUT), wide = [Float](repeating: 5, count: N * ld)
            bf16MatmulForward(&dense, x, w, nil, N, kernels: kernels)
            bf16MatmulForward(&wide, x, w, nil, N, ldOut: ld, kernels: kernels)
            for n in 0..<N {
                #expect(Array(wide[(n * ld)..<(n * ld + OUT)]) == Array(dense[(n * OUT)..<(n * OUT + OUT)]))
                #expect(wide[(n * ld + OUT)..<(n * ld + ld)].allSatisfy { $0 == 5 }, "wrote past a row")
            }
            var dxDense = [Float](repeating: 0, count: N * IN), dxWide = dxDense
            bf16MatmulBackwardInput(&dxDense, dense, w, N, kernels: kernels)
            bf16MatmulBackwardInput(&dxWide, wide, w, N, ldInput: ld, kernels: kernels)
            #expect(dxDense == dxWide, "\(kernels)")
        }
    }

    @Test("a product does not depend on how its panels are split over threads")
    func deterministic() {
        var f = Fixture(seed: 9)
        let N = 40, IN = 96, OUT = 320
        let x = f.normals(N * IN), w = BFloat16Matrix(rows: OUT, columns: IN, from: f.normals(OUT * IN))
        for kernels in Self.kernelSets {
            var one = [Float](repeating: 0, count: N * OUT), three = one
            bf16MatmulForward(&one, x, w, nil, N, threads: 1, kernels: kernels)
            bf16MatmulForward(&three, x, w, nil, N, threads: 3, kernels: kernels)
            #expect(one == three, "\(kernels)")
        }
    }

    @Test("a quantized matrix becomes the bfloat16 rounding of its dequantized rows")
    func fromQuantized() {
        let q = QuantizedMatrix(kind: .fourBit, rows: 2, columns: 64)
        var f = Fixture(seed: 4)
        for r in 0..<2 {
            for b in 0..<2 {
                q.setBlock(row: r, block: b, scale: f.rng.uniform(0.01, 0.1), offset: -0.3)
                let quants = q.blockQuants(row: r, block: b).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 { quants[j] = UInt8(truncatingIfNeeded: f.rng.next()) }
            }
        }
        var dense = [Float](repeating: 0, count: 128)
        dense.withUnsafeMutableBufferPointer { d in
            q.dequantizeRow(0, into: d.baseAddress!)
            q.dequantizeRow(1, into: d.baseAddress! + 64)
        }
        let w = BFloat16Matrix(q)
        var back = [Float](repeating: 0, count: 128)
        w.widen(rows: 0, count: 2, into: &back)
        #expect(back == rounded(dense))
    }
}

@Suite("bfloat16 conversions")
struct BFloat16ConversionTests {
    @Test("the 16-lane rounding gives the scalar rounding's bits, tails included")
    func vectorRounding() {
        var f = Fixture(seed: 5)
        var x = f.normals(37, std: 100) + [1 + 1 / Float(256), .infinity, -.infinity, 1e-40, -0.0, 3.0e38]
        x += f.normals(20, std: 1e-3)
        for kernels in KernelSet.available {
            var bits = [UInt16](repeating: 0, count: x.count)
            roundToBFloat16(x, into: &bits, count: x.count, kernels: kernels)
            var back = [Float](repeating: 0, count: x.count)
            widenBFloat16(bits, into: &back, count: x.count)
            var expected = x
            roundToBFloat16(&expected, count: x.count)
            #expect(back == expected, "\(kernels)")
        }
    }
}
