import Testing
import Tensor

/// One random training attention problem: sizes, inputs, a gradient of the output, and masks.
private struct Problem {
    let T: Int, NH: Int, NKV: Int, HS: Int, tile: Int
    let q: [Float], k: [Float], v: [Float], dout: [Float]
    let mask: [Int32]?, segments: [Int32]?
    var QD: Int { NH * HS }
    var KVD: Int { NKV * HS }

    init(seed: UInt64) {
        var f = Fixture(seed: seed)
        // T = 1, T not a multiple of the tile, T a multiple, one tile covering all
        let T = [1, 7, 12, 5, 13, 9][Int(seed % 6)]
        self.T = T
        NKV = f.int(1..<3)
        NH = NKV * f.int(1..<4)  // GQA when NH > NKV
        HS = [3, 8, 5][Int(seed % 3)]
        tile = [3, 4, 2, 128][Int(seed % 4)]
        q = f.normals(T * NH * HS, std: 2)
        k = f.normals(T * NKV * HS, std: 2)
        v = f.normals(T * NKV * HS)
        dout = f.normals(T * NH * HS)
        switch seed % 3 {
        case 1:  // padding keys, and the first query sees nothing
            var m = [Int32](repeating: 1, count: T)
            m[0] = 0
            if T > 2 { m[T - 1] = 0 }
            mask = m; segments = nil
        case 2:  // packed segments (the mask holds their ids, 0 for padding)
            let s = (0..<T).map { Int32($0 < T / 2 ? 1 : ($0 < T - 1 ? 2 : 0)) }
            mask = s; segments = s
        default:
            mask = nil; segments = nil
        }
    }
}

@Suite("Flash attention agrees with the unfused attention")
struct FlashAttentionTests {
    @Test("forward and backward match attentionForward and attentionBackward (odd T, T = 1, GQA, masks, segments)",
          arguments: 0..<12)
    func matchesUnfused(seed: UInt64) {
        let p = Problem(seed: seed)
        let T = p.T, NH = p.NH, NKV = p.NKV, HS = p.HS, QD = p.QD, KVD = p.KVD
        // the unfused path: probabilities kept, then backward from them
        var out = [Float](repeating: 0, count: T * QD), att = [Float](repeating: 0, count: NH * T * T)
        attentionForward(&out, ldo: QD, &att, p.q, ldq: QD, p.k, ldk: KVD, p.v, ldv: KVD,
                         keyMask: p.mask, segments: p.segments, T, T, past: 0, NH, NKV, HS)
        var dq = [Float](repeating: 0, count: T * QD), dk = [Float](repeating: 0, count: T * KVD)
        var dv = dk, scratch = [Float](repeating: 0, count: T * T)
        attentionBackward(&dq, ldq: QD, &dk, &dv, ldk: KVD, &scratch, p.dout, ldo: QD, att, p.q, p.k, p.v,
                          T, NH, NKV, HS)
        // flash: logsumexp kept, probabilities recomputed
        var fout = [Float](repeating: 9, count: T * QD), lse = [Float](repeating: 0, count: NH * T)
        var fscratch = [Float](repeating: 0, count: flashAttentionScratchCount(tile: p.tile))
        flashAttentionForward(&fout, ldo: QD, &lse, p.q, ldq: QD, p.k, p.v, ldk: KVD,
                              keyMask: p.mask, segments: p.segments, T, NH, NKV, HS, scratch: &fscratch, tile: p.tile)
        // gradients add to what is there
        var fdq = [Float](repeating: 1, count: T * QD), fdk = [Float](repeating: 1, count: T * KVD), fdv = fdk
        flashAttentionBackward(&fdq, ldq: QD, &fdk, &fdv, ldk: KVD, p.dout, fout, ldo: QD, lse, p.q, p.k, p.v,
                               keyMask: p.mask, segments: p.segments, T, NH, NKV, HS, scratch: &fscratch, tile: p.tile)
        let shape = "T \(T) NH \(NH) NKV \(NKV) HS \(HS) tile \(p.tile)"
        #expect(maxAbsDiff(fout, out) < 1e-4, "out, \(shape)")
        #expect(maxAbsDiff(fdq.map { $0 - 1 }, dq) < 1e-4, "dq, \(shape)")
        #expect(maxAbsDiff(fdk.map { $0 - 1 }, dk) < 1e-4, "dk, \(shape)")
        #expect(maxAbsDiff(fdv.map { $0 - 1 }, dv) < 1e-4, "dv, \(shape)")
    }

    @Test("the logsumexp is +∞ for a query that sees no key, and its output and gradients are zero")
    func rowThatSeesNothing() {
        var f = Fixture(seed: 3)
        let T = 4, NH = 2, NKV = 1, HS = 4
        let q = f.normals(T * NH * HS), k = f.normals(T * HS), v = f.normals(T * HS), dout = f.normals(T * NH * HS)
        let mask: [Int32] = [0, 1, 1, 1]
        var out = [Float](repeating: 5, count: T * NH * HS), lse = [Float](repeating: 0, count: NH * T)
        var scratch = [Float](repeating: 0, count: flashAttentionScratchCount(tile: 2))
        flashAttentionForward(&out, ldo: NH * HS, &lse, q, ldq: NH * HS, k, v, ldk: HS, keyMask: mask,
                              T, NH, NKV, HS, scratch: &scratch, tile: 2)
        #expect(lse[0] == .infinity && lse[T] == .infinity && lse[1].isFinite)
        #expect(out.prefix(NH * HS).allSatisfy { $0 == 0 })
        var dq = [Float](repeating: 0, count: T * NH * HS), dk = [Float](repeating: 0, count: T * HS), dv = dk
        flashAttentionBackward(&dq, ldq: NH * HS, &dk, &dv, ldk: HS, dout, out, ldo: NH * HS, lse, q, k, v,
                               keyMask: mask, T, NH, NKV, HS, scratch: &scratch, tile: 2)
        #expect(dq.prefix(NH * HS).allSatisfy { $0 == 0 } && dk.prefix(HS).allSatisfy { $0 == 0 })
        #expect(dq.allSatisfy(\.isFinite) && dk.allSatisfy(\.isFinite) && dv.allSatisfy(\.isFinite))
    }
}
