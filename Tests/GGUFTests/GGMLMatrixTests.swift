import Foundation
import GGUF
import Testing

/// The integer matrix-vector kernels against two naive twins in Double:
///  - the same product on the dequantized weights and the *dequantized 8-bit activation*: the
///    kernels must match it up to float rounding (1e-5 of sum |w| |x|), since their integer sums are exact;
///  - the exact product with the float activation (`multiplyExact`, the old path): they differ by
///    the activation's quantization error, at most sum_i |w_i| d_block(i) / 2 (d = max|x_block| / 127).
@Suite("Quantized matrix-vector products")
struct GGMLMatrixTests {
    static let integerTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0, .q4_K, .q6_K]

    /// Quantized random weights (rows, columns) and a random vector with a few outliers.
    static func problem(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) throws -> (weights: [UInt8], x: [Float]) {
        let w = DotTests.values(rows * columns, seed: seed).enumerated().map { $0.element * (1 + Float($0.offset % 7)) }
        var x = DotTests.values(columns, seed: seed + 1)
        for i in stride(from: 5, to: columns, by: 97) { x[i] *= 40 } // outliers, as in real activations
        return (try quantize(w, as: type), x)
    }

    static func products(_ m: GGMLMatrix, _ x: [Float], threads: Int) -> (int: [Float], exact: [Float]) {
        var y = [Float](repeating: .nan, count: m.rows), exact = [Float](repeating: .nan, count: m.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, into: $0.baseAddress!, threads: threads) }
            exact.withUnsafeMutableBufferPointer { m.multiplyExact(xp.baseAddress!, into: $0.baseAddress!) }
        }
        return (y, exact)
    }

    static func matrix(_ type: GGMLType, _ bytes: [UInt8], rows: Int, columns: Int) throws -> GGMLMatrix {
        let buffer = MappedBuffer(copying: Data(bytes))
        return try GGMLMatrix(type: type, rows: rows, columns: columns, bytes: buffer.base, owner: buffer)
    }

    /// Checks `y` against both twins for weights `bytes` and vector `x`.
    static func check(_ type: GGMLType, _ bytes: [UInt8], rows: Int, columns: Int, x: [Float], y: [Float], exact: [Float]) throws {
        let w = try dequantize(bytes, as: type, count: rows * columns)
        let v = QuantizedVector(capacity: columns)
        try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: columns) }
        for r in 0 ..< rows {
            var same = 0.0, magnitude = 0.0, bound = 0.0, reference = 0.0
            for i in 0 ..< columns {
                let wi = Double(w[r * columns + i])
                same += wi * Double(v.value(at: i))
                reference += wi * Double(x[i])
                magnitude += abs(wi) * abs(Double(x[i]))
                bound += abs(wi) * Double(v.scales[i / 32]) / 2
            }
            #expect(abs(Double(y[r]) - same) <= 1e-5 * magnitude, "\(type) row \(r): \(y[r]) vs \(same)")
            #expect(abs(Double(y[r]) - reference) <= bound + 1e-5 * magnitude, "\(type) row \(r): \(y[r]) vs exact \(reference)")
            #expect(abs(Double(exact[r]) - reference) <= 1e-5 * magnitude, "\(type) row \(r): multiplyExact \(exact[r]) vs \(reference)")
        }
    }

    @Test("the integer kernels equal the naive product with the 8-bit activation, and the exact one within its quantization error",
          arguments: integerTypes)
    func kernelsMatchNaive(type: GGMLType) throws {
        let rows = 37, columns = 512
        let (bytes, x) = try Self.problem(type, rows: rows, columns: columns, seed: 11)
        let m = try Self.matrix(type, bytes, rows: rows, columns: columns)
        #expect(m.usesIntegerKernel)
        let (y, exact) = Self.products(m, x, threads: 1)
        try Self.check(type, bytes, rows: rows, columns: columns, x: x, y: y, exact: exact)
    }

    @Test("results are bit-identical for 1, 2 and 3 threads", arguments: integerTypes + [.f16])
    func threadCountDoesNotChangeResults(type: GGMLType) throws {
        let rows = 301, columns = 256
        let (bytes, x) = try Self.problem(type, rows: rows, columns: columns, seed: 5)
        let m = try Self.matrix(type, bytes, rows: rows, columns: columns)
        let one = Self.products(m, x, threads: 1).int
        for threads in [2, 3] {
            let many = Self.products(m, x, threads: threads).int
            #expect(many.map(\.bitPattern) == one.map(\.bitPattern), "\(type), \(threads) threads")
        }
    }

    @Test("many back-to-back threaded products all equal the single-threaded one")
    func repeatedThreadedProducts() throws {
        let rows = 200, columns = 64
        let (bytes, x) = try Self.problem(.q4_1, rows: rows, columns: columns, seed: 17)
        let m = try Self.matrix(.q4_1, bytes, rows: rows, columns: columns)
        let one = Self.products(m, x, threads: 1).int
        let v = QuantizedVector(capacity: columns)
        try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: columns) }
        var y = [Float](repeating: 0, count: rows)
        var mismatches = 0
        for _ in 0 ..< 500 {
            y.withUnsafeMutableBufferPointer { m.multiply(v, into: $0.baseAddress!, threads: 2) }
            if y != one { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("types without integer kernels use the float-activation products", arguments: [GGMLType.f32, .f16, .bf16, .q5_0, .q5_1, .q5_K])
    func otherTypesAreExact(type: GGMLType) throws {
        let rows = 9, columns = 256
        let (bytes, x) = try Self.problem(type, rows: rows, columns: columns, seed: 3)
        let m = try Self.matrix(type, bytes, rows: rows, columns: columns)
        #expect(!m.usesIntegerKernel)
        let (y, exact) = Self.products(m, x, threads: 2)
        #expect(y.map(\.bitPattern) == exact.map(\.bitPattern))
    }

    @Test("the batched product equals one product per vector")
    func batchedEqualsSingle() throws {
        let rows = 50, columns = 64, vectors = 3
        let (bytes, _) = try Self.problem(.q4_1, rows: rows, columns: columns, seed: 9)
        let x = DotTests.values(vectors * columns, seed: 4)
        let m = try Self.matrix(.q4_1, bytes, rows: rows, columns: columns)
        var batched = [Float](repeating: 0, count: vectors * rows)
        x.withUnsafeBufferPointer { xp in
            batched.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, vectors: vectors, into: $0.baseAddress!, threads: 2) }
        }
        for v in 0 ..< vectors {
            let single = Self.products(m, Array(x[v * columns ..< (v + 1) * columns]), threads: 1).int
            #expect(Array(batched[v * rows ..< (v + 1) * rows]) == single)
        }
    }

    @Test("one grouped product over several matrices equals their single products")
    func groupedEqualsSingle() throws {
        let columns = 128
        let shapes: [(GGMLType, Int)] = [(.q4_1, 40), (.q8_0, 7), (.q4_0, 33)]
        var matrices: [GGMLMatrix] = [], singles: [[Float]] = []
        let x = DotTests.values(columns, seed: 8)
        for (k, (type, rows)) in shapes.enumerated() {
            let (bytes, _) = try Self.problem(type, rows: rows, columns: columns, seed: UInt64(30 + k))
            let m = try Self.matrix(type, bytes, rows: rows, columns: columns)
            matrices.append(m)
            singles.append(Self.products(m, x, threads: 1).int)
        }
        let v = QuantizedVector(capacity: columns)
        try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: columns) }
        for threads in [1, 2] {
            let outputs = shapes.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.1) }
            defer { outputs.forEach { $0.deallocate() } }
            GGMLMatrix.multiply(matrices, v, into: outputs, threads: threads)
            for k in shapes.indices {
                #expect(Array(UnsafeBufferPointer(start: outputs[k], count: shapes[k].1)) == singles[k], "matrix \(k), \(threads) threads")
            }
        }
    }

    @Test("a tile of rows dequantizes to the rows of the whole matrix")
    func dequantizedTile() throws {
        let rows = 10, columns = 256
        let (bytes, _) = try Self.problem(.q4_K, rows: rows, columns: columns, seed: 12)
        let m = try Self.matrix(.q4_K, bytes, rows: rows, columns: columns)
        let all = try dequantize(bytes, as: .q4_K, count: rows * columns)
        var tile = [Float](repeating: .nan, count: 3 * columns)
        tile.withUnsafeMutableBufferPointer { m.dequantize(rows: 4 ..< 7, into: $0.baseAddress!) }
        #expect(tile == Array(all[4 * columns ..< 7 * columns]))
    }

    @Test("the activation quantizer keeps each element within max|x_block| / 254 and stores d * sum(q)")
    func activationQuantization() throws {
        var x = DotTests.values(96, seed: 2)
        x[40] = 30
        for i in 64 ..< 96 { x[i] = 0 } // an all-zero block
        let v = QuantizedVector(capacity: 96)
        try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: 96) }
        for b in 0 ..< 3 {
            let block = x[32 * b ..< 32 * b + 32]
            let amax = block.map(abs).max() ?? 0
            #expect(v.scales[b] == amax / 127)
            var sum = 0
            for i in 32 * b ..< 32 * b + 32 {
                #expect(abs(v.value(at: i) - x[i]) <= amax / 254 * 1.0001, "element \(i)")
                sum += Int((v.value(at: i) / max(v.scales[b], .leastNonzeroMagnitude)).rounded())
            }
            #expect(abs(v.sums[b] - v.scales[b] * Float(sum)) <= 1e-6 * max(1, abs(v.sums[b])))
        }
    }

    @Test("the demo model's Q4_1 and Q8_0 matrices multiply within the quantization error of the exact product")
    func demoModel() throws {
        let file = try GGUFFile(contentsOf: Fixtures.demoModel)
        for name in ["blk.0.attn_q.weight", "blk.3.ffn_down.weight", "token_embd.weight"] {
            let info = try #require(file.tensor(named: name))
            let full = try GGMLMatrix(file: file, tensor: info)
            // The first 300 rows keep the naive twin fast in a debug build.
            let m = try GGMLMatrix(type: full.type, rows: min(300, full.rows), columns: full.columns,
                                        bytes: full.base, owner: file.buffer)
            let x = DotTests.values(m.columns, seed: 21).map { $0 * 3 }
            let (y, exact) = Self.products(m, x, threads: 2)
            let bytes = [UInt8](UnsafeRawBufferPointer(start: m.base, count: m.byteCount))
            try Self.check(m.type, bytes, rows: m.rows, columns: m.columns, x: x, y: y, exact: exact)
        }
    }

    @Test("malformed shapes and vectors fail with errors")
    func errors() throws {
        let bytes = [UInt8](repeating: 0, count: 64)
        bytes.withUnsafeBytes { p in
            #expect(throws: GGUFError.self) {
                try GGMLMatrix(type: .q4_1, rows: 1, columns: 33, bytes: p.baseAddress!, owner: nil)
            }
            #expect(throws: GGUFError.self) {
                try GGMLMatrix(type: .i64, rows: 1, columns: 4, bytes: p.baseAddress!, owner: nil)
            }
        }
        let v = QuantizedVector(capacity: 64)
        let x = [Float](repeating: 1, count: 128)
        #expect(throws: GGUFError.self) { try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: 128) } }
        #expect(throws: GGUFError.self) { try x.withUnsafeBufferPointer { try v.quantize($0.baseAddress!, count: 40) } }
    }
}
