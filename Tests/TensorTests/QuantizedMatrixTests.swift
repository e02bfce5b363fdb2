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
                w.setBlock(row: r, block: b, scale: f.rng.uniform(0.001, 0.1),
                           offset: kind == .fourBit ? f.rng.uniform(-0.5, 0.1) : 0)
                // the values as stored (halves)
                let d = w.scale(row: r, block: b), m = w.offset(row: r, block: b)
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

    /// Every kernel set this CPU runs (AVX2 always; AVX-512 where the CPU has it).
    static let kernelSets = KernelSet.available

    @Test("4-bit and 8-bit products match the naive product of the dequantized matrix, with every kernel set",
          arguments: [QuantizedMatrix.Kind.fourBit, .eightBit], [1, 2])
    func matchesNaive(kind: QuantizedMatrix.Kind, threads: Int) {
        #expect(Self.kernelSets.contains(.avx2))
        // widths of 1, 2, 3, 5, 7, 18, 19 and 49 blocks: every mix of quads, pairs and an odd last block;
        // one row and row counts that are not multiples of the kernels' groups of four rows
        let shapes = [(3, 64), (37, 96), (300, 576), (5, 32), (17, 160), (40, 224), (1, 32), (1, 608), (2, 1568),
                      (6, 96), (7, 224), (1, 576), (1, 1536)]
        for (seed, (rows, columns)) in shapes.enumerated() {
            let (w, dense) = randomMatrix(kind, rows: rows, columns: columns, seed: UInt64(seed))
            var f = Fixture(seed: UInt64(100 + seed))
            let x = f.normals(columns)
            let expected = Naive.matmul(x, dense, nil, 1, columns, rows)
            for kernels in Self.kernelSets {
                var out = [Float](repeating: 9, count: rows)
                quantizedMatvec(&out, w, x, threads: threads, kernels: kernels)
                #expect(maxAbsDiff(out, expected) < 1e-4, "\(kind) \(rows)x\(columns) \(kernels)")
            }
            var row = [Float](repeating: 0, count: columns)
            w.dequantizeRow(rows - 1, into: &row)
            #expect(row == Array(dense[((rows - 1) * columns)...]))
        }
    }

    @Test("a row's product does not depend on the rows computed with it (a one-row matrix of it gives the same bits)",
          arguments: [QuantizedMatrix.Kind.fourBit, .eightBit])
    func rowIndependence(kind: QuantizedMatrix.Kind) {
        for (seed, (rows, columns)) in [(7, 224), (5, 608), (9, 96)].enumerated() {
            let (w, _) = randomMatrix(kind, rows: rows, columns: columns, seed: UInt64(40 + seed))
            var f = Fixture(seed: UInt64(50 + seed))
            let x = f.normals(columns)
            for kernels in Self.kernelSets {
                var all = [Float](repeating: 0, count: rows)
                quantizedMatvec(&all, w, x, threads: 1, kernels: kernels)
                for r in 0..<rows {
                    let one = QuantizedMatrix(kind: kind, rows: 1, columns: columns)
                    one.storage.copyMemory(from: w.row(r), byteCount: w.rowBytes)
                    var out: [Float] = [0]
                    quantizedMatvec(&out, one, x, threads: 1, kernels: kernels)
                    #expect(out[0] == all[r], "\(kind) \(rows)x\(columns) row \(r) \(kernels)")
                }
            }
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
        for kernels in Self.kernelSets {
            x.withUnsafeBufferPointer {
                quantizedMatvecs(zip(pointers, matrices).map { ($0, $1.0) }, $0.baseAddress!, threads: 2,
                                 kernels: kernels)
            }
            for (i, (w, dense)) in matrices.enumerated() {
                let grouped = Array(UnsafeBufferPointer(start: pointers[i], count: w.rows))
                var single = [Float](repeating: 0, count: w.rows)
                quantizedMatvec(&single, w, x, threads: 1, kernels: kernels)
                #expect(grouped == single, "\(kernels)")
                #expect(maxAbsDiff(single, Naive.matmul(x, dense, nil, 1, 160, w.rows)) < 1e-4)
            }
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
