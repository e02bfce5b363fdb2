import Foundation
import Testing
import Tensor

@Suite("Quantized matrix-vector product")
struct QuantizedMatrixTests {
    /// A random quantized matrix and its values computed naively from the fields.
    private func randomMatrix(_ kind: QuantizedMatrix.Kind, rows: Int, columns: Int, seed: UInt64)
        -> (QuantizedMatrix, [Float]) {
        var f = Fixture(seed: seed)
        let w = QuantizedMatrix(kind: kind, rows: rows, columns: columns)
        var dense = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for b in 0..<w.blocksPerRow {
                let d = f.rng.uniform(0.001, 0.1), m = kind == .fourBit ? f.rng.uniform(-0.5, 0.1) : 0
                w.scales[r * w.blocksPerRow + b] = d
                w.offsets[r * w.blocksPerRow + b] = m
                let q = w.blockQuants(row: r, block: b).assumingMemoryBound(to: UInt8.self)
                for j in 0..<kind.quantBytes { q[j] = UInt8(truncatingIfNeeded: f.rng.next()) }
                for e in 0..<32 {
                    let n: Float
                    if kind == .fourBit {
                        n = Float(e < 16 ? q[e] & 0x0F : q[e - 16] >> 4)
                    } else {
                        n = Float(Int8(bitPattern: q[e]))
                    }
                    dense[r * columns + b * 32 + e] = d * n + m
                }
            }
        }
        return (w, dense)
    }

    @Test("4-bit and 8-bit products match the naive product of the dequantized matrix",
          arguments: [QuantizedMatrix.Kind.fourBit, .eightBit], [1, 2])
    func matchesNaive(kind: QuantizedMatrix.Kind, threads: Int) {
        for (seed, (rows, columns)) in [(3, 64), (37, 96), (300, 576)].enumerated() {
            let (w, dense) = randomMatrix(kind, rows: rows, columns: columns, seed: UInt64(seed))
            var f = Fixture(seed: UInt64(100 + seed))
            let x = f.normals(columns)
            var out = [Float](repeating: 9, count: rows)
            quantizedMatvec(&out, w, x, threads: threads)
            let expected = Naive.matmul(x, dense, nil, 1, columns, rows)
            #expect(maxAbsDiff(out, expected) < 1e-4, "\(kind) \(rows)x\(columns)")
            var row = [Float](repeating: 0, count: columns)
            w.dequantizeRow(rows - 1, into: &row)
            #expect(row == Array(dense[((rows - 1) * columns)...]))
        }
    }

    @Test("several products over one input in one job equal the products one at a time",
          arguments: [QuantizedMatrix.Kind.fourBit, .eightBit])
    func grouped(kind: QuantizedMatrix.Kind) {
        let shapes = [(576, 160), (64, 160), (100, 160)]
        let matrices = shapes.enumerated().map { randomMatrix(kind, rows: $1.0, columns: $1.1, seed: UInt64(20 + $0)) }
        var f = Fixture(seed: 30)
        let x = f.normals(160)
        let pointers = shapes.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.0) }
        defer { pointers.forEach { $0.deallocate() } }
        x.withUnsafeBufferPointer { quantizedMatvecs(zip(pointers, matrices).map { ($0, $1.0) }, $0.baseAddress!, threads: 2) }
        for (i, (w, dense)) in matrices.enumerated() {
            let grouped = Array(UnsafeBufferPointer(start: pointers[i], count: w.rows))
            var single = [Float](repeating: 0, count: w.rows)
            quantizedMatvec(&single, w, x, threads: 1)
            #expect(grouped == single)
            #expect(maxAbsDiff(single, Naive.matmul(x, dense, nil, 1, 160, w.rows)) < 1e-4)
        }
    }

    @Test("the tiled quantized matmul equals the naive product of the dequantized matrix plus bias",
          arguments: [QuantizedMatrix.Kind.fourBit, .eightBit])
    func tiledMatmul(kind: QuantizedMatrix.Kind) {
        let rows = 70, columns = 96, N = 5
        let (w, dense) = randomMatrix(kind, rows: rows, columns: columns, seed: 9)
        var f = Fixture(seed: 10)
        let x = f.normals(N * columns), bias = f.normals(rows)
        var out = [Float](repeating: 3, count: N * rows)
        var scratch = [Float](repeating: 0, count: 16 * columns)
        quantizedMatmulForward(&out, x, w, bias, N, scratch: &scratch, tileRows: 16)
        #expect(maxAbsDiff(out, Naive.matmul(x, dense, bias, N, columns, rows)) < 1e-4)
    }
}
