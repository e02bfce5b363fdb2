import Random
import Testing

@Suite("SplitMix64")
struct SplitMix64Tests {
    @Test("seed 0 gives the reference sequence of Vigna's splitmix64.c")
    func referenceSequence() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("bounded draws stay in range and cover it")
    func bounded() {
        var rng = SplitMix64(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let value = rng.next(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 7)
    }

    @Test("a shuffle is a permutation and the same seed shuffles the same way")
    func shuffle() {
        var a = Array(0..<50), b = Array(0..<50)
        var rng1 = SplitMix64(seed: 7, stream: "shuffle"), rng2 = SplitMix64(seed: 7, stream: "shuffle")
        rng1.shuffle(&a)
        rng2.shuffle(&b)
        #expect(a == b)
        #expect(a.sorted() == Array(0..<50))
        #expect(a != Array(0..<50))
    }

    @Test("streams of one seed differ")
    func streams() {
        var a = SplitMix64(seed: 1, stream: "split"), b = SplitMix64(seed: 1, stream: "shuffle")
        #expect(a.next() != b.next())
    }
}
