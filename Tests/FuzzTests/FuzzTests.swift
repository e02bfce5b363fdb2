import Testing

/// Seeded, bounded fuzzing of everything a user hands `pipe`: manifests, data files, GGUF and
/// safetensors models. Every case is made from its seed alone, so a failure replays with
/// `PIPE_FUZZ_REPLAY=class:seed swift test --filter FuzzTests`; `PIPE_FUZZ_SCALE=N` runs more.
@Suite struct FuzzTests {
    @Test("mutated inputs never crash or hang, and every failure exits 1 or 64 naming where",
          arguments: InputClass.allCases)
    func mutatedInputsFailCleanly(_ inputClass: InputClass) async throws {
        let seeds = FuzzSettings.seeds(for: inputClass)
        let tally = try FuzzRunner(inputClass).run(seeds: seeds)
        await FuzzReport.shared.add(tally, expecting: InputClass.allCases.count)
        #expect(tally.crash == 0, "\(tally.failures.joined(separator: "\n"))")
        #expect(tally.hang == 0, "\(tally.failures.joined(separator: "\n"))")
        #expect(tally.unclean == 0, "\(tally.failures.joined(separator: "\n"))")
    }
}
