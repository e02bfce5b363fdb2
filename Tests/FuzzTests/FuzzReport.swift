import Foundation

/// Collects each class's tally and prints the table once every class has reported.
actor FuzzReport {
    static let shared = FuzzReport()
    private var tallies: [Tally] = []

    func add(_ tally: Tally, expecting count: Int) {
        tallies.append(tally)
        guard tallies.count == count else { return }
        print(Self.table(tallies.sorted { $0.inputClass.rawValue < $1.inputClass.rawValue }))
    }

    static func table(_ tallies: [Tally]) -> String {
        var lines = ["| input class | cases tried | clean | crash | hang | unclean |", "|---|---:|---:|---:|---:|---:|"]
        for t in tallies {
            let counts = [t.cases, t.clean, t.crash, t.hang, t.unclean].map(String.init).joined(separator: " | ")
            lines.append("| \(t.inputClass.rawValue) | \(counts) |")
        }
        let sum = { (field: KeyPath<Tally, Int>) in tallies.reduce(0) { $0 + $1[keyPath: field] } }
        let totals = [sum(\.cases), sum(\.clean), sum(\.crash), sum(\.hang), sum(\.unclean)].map(String.init)
        lines.append("| total | \(totals.joined(separator: " | ")) |")
        return lines.joined(separator: "\n")
    }
}

/// The knobs of a run, from the environment.
enum FuzzSettings {
    static let environment = ProcessInfo.processInfo.environment

    /// `PIPE_FUZZ_SCALE=N` runs N times the suite's cases (default 1).
    static let scale = environment["PIPE_FUZZ_SCALE"].flatMap(Int.init) ?? 1

    /// `PIPE_FUZZ_SEED=N` starts the seeds at N (default 0), for a run of fresh cases.
    static let firstSeed = environment["PIPE_FUZZ_SEED"].flatMap(UInt64.init) ?? 0

    /// `PIPE_FUZZ_VERBOSE=1` prints how every case ended.
    static let verbose = environment["PIPE_FUZZ_VERBOSE"] == "1"

    /// `PIPE_FUZZ_REPLAY=class:seed` runs that one case (and keeps its files for a look).
    static let replay: (InputClass, UInt64)? = {
        guard let text = environment["PIPE_FUZZ_REPLAY"], let colon = text.lastIndex(of: ":"),
              let inputClass = InputClass(rawValue: String(text[..<colon])),
              let seed = UInt64(text[text.index(after: colon)...]) else { return nil }
        return (inputClass, seed)
    }()

    /// The seeds a class runs.
    static func seeds(for inputClass: InputClass) -> [UInt64] {
        if let (replayClass, seed) = replay { return replayClass == inputClass ? [seed] : [] }
        let count = UInt64(inputClass.suiteCases * scale)
        return Array(firstSeed..<firstSeed + count)
    }
}
