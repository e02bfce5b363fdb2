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

/// Cases the fuzzer once failed on, replayed on every run. The inputs are made from the seed by
/// today's generators; each fix also has a test with a literal input in its module's tests.
@Suite struct FuzzRegressionTests {
    static let seeds: [(InputClass, UInt64)] = [
        (.jsonl, 2_000_146),        // split too large for the data: message named no param (AugmentStage)
        (.json, 1_000_037),         // a template field missing from record 2 (file:line of the artifact)
        (.safetensors, 1_001_128),  // two tensors overlap: named by both tensors
    ]

    @Test("cases that once failed end cleanly", arguments: seeds.map { "\($0.0.rawValue):\($0.1)" })
    func onceFailingCasesEndCleanly(_ name: String) throws {
        let (inputClass, seed) = try #require(Self.seeds.first { "\($0.0.rawValue):\($0.1)" == name })
        let tally = try FuzzRunner(inputClass).run(seeds: [seed])
        #expect(tally.clean == 1, "\(tally.failures.joined(separator: "\n"))")
    }
}
