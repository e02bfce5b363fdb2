import Foundation
import GGUF
import Llama
import Safetensors
import TestSupport
import Tokenizer

/// Counts of one class's run, with the first failures and their seeds.
struct Tally: Sendable {
    var inputClass: InputClass
    var cases = 0, clean = 0, crash = 0, hang = 0, unclean = 0
    var failures: [String] = []
    /// How the clean cases ended: "exit 0", "exit 64", "thrown" and so on, with counts.
    var endings: [String: Int] = [:]

    mutating func add(_ verdict: Verdict, seed: UInt64) {
        cases += 1
        let note: String
        switch verdict {
        case .clean: clean += 1; return
        case let .crash(detail): crash += 1; note = "crash: \(detail)"
        case .hang: hang += 1; note = "hang"
        case let .unclean(detail): unclean += 1; note = detail
        }
        if failures.count < 8 {
            let name = "\(inputClass.rawValue):\(seed)"
            failures.append("\(inputClass.rawValue) seed \(seed) (replay: PIPE_FUZZ_REPLAY=\(name)): \(note)")
        }
    }
}

/// Runs a class's cases: subprocess classes in a work folder of their own, in-process classes here.
struct FuzzRunner {
    let inputClass: InputClass
    let work: URL

    init(_ inputClass: InputClass) throws {
        self.inputClass = inputClass
        work = try makeTemporaryFolder("pipe-fuzz-\(inputClass.rawValue)")
        try prepare()
    }

    func run(seeds: some Sequence<UInt64>) -> Tally {
        var tally = Tally(inputClass: inputClass)
        for seed in seeds {
            let verdict = run(FuzzCase(inputClass, seed: seed))
            if verdict != .clean || FuzzSettings.replay != nil { keep(FuzzCase(inputClass, seed: seed)) }
            tally.add(verdict, seed: seed)
        }
        try? FileManager.default.removeItem(at: work)
        return tally
    }

    /// Everything a class's cases share: the data and model the manifests name.
    private func prepare() throws {
        let files = FileManager.default
        switch inputClass {
        case .manifest:
            try files.createDirectory(at: work.appendingPathComponent("models"), withIntermediateDirectories: true)
            try files.copyItem(at: FuzzCorpus.root.appendingPathComponent("pipelines/data"),
                               to: work.appendingPathComponent("pipelines/data"))
            let link = work.appendingPathComponent("models/" + FuzzCorpus.demoModel.lastPathComponent)
            try files.createSymbolicLink(at: link,
                                         withDestinationURL: FuzzCorpus.demoModel)
        default: break
        }
    }

    func run(_ fuzzCase: FuzzCase) -> Verdict {
        inputClass.usesSubprocess ? runProcess(fuzzCase) : runInProcess(fuzzCase)
    }

    private func runProcess(_ fuzzCase: FuzzCase) -> Verdict {
        let folder = inputClass == .manifest ? work.appendingPathComponent("pipelines") : work
        do {
            try fuzzCase.write(into: work)
            let result = try FuzzProcess.run(fuzzCase.arguments, in: folder)
            if FuzzSettings.verbose {
                let output = result.output.prefix(240).debugDescription
                print("\(inputClass.rawValue) \(fuzzCase.seed): exit \(result.status) \(output)")
            }
            if inputClass != .manifest { try? FileManager.default.removeItem(at: work.appendingPathComponent(".pipe")) }
            if result.hung { return .hang }
            if result.signaled { return .crash("signal \(result.status): \(result.output.suffix(300))") }
            switch result.status {
            case 0: return .clean
            case 1, 64:
                return Location.names(result.output, places: fuzzCase.places) ? .clean
                    : .unclean("exit \(result.status) names no place: \(result.output.prefix(300))")
            default: return .unclean("exit \(result.status): \(result.output.prefix(300))")
            }
        } catch {
            return .unclean("could not run the case: \(error)")
        }
    }

    private func runInProcess(_ fuzzCase: FuzzCase) -> Verdict {
        let bytes = fuzzCase.files[inputClass == .gguf ? "fuzz.gguf" : "model/model.safetensors"] ?? []
        do {
            switch inputClass {
            case .gguf:
                let file = try GGUFFile(data: Data(bytes))
                _ = try? BPETokenizer(gguf: file)
                for tensor in file.tensors { _ = try? file.floats(of: tensor) }
                _ = try LlamaModel(gguf: file)
            default:
                let file = try SafetensorsFile(data: Data(bytes))
                for name in file.tensorNames { _ = try file.floats(name) }
            }
            return .clean
        } catch {
            let message = "\(error)"
            if FuzzSettings.verbose {
                print("\(inputClass.rawValue) \(fuzzCase.seed): \(message.prefix(240).debugDescription)")
            }
            if Location.names(message, places: []) { return .clean }
            return .unclean("error names no place: \(message.prefix(300))")
        }
    }

    /// Leaves a failing case's files where a person can look at them.
    private func keep(_ fuzzCase: FuzzCase) {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("pipe-fuzz-failures/\(inputClass.rawValue)-\(fuzzCase.seed)")
        try? fuzzCase.write(into: folder)
    }
}

/// Whether an error message points at a place: one of the case's files, any file and line
/// (`records/train.jsonl:2`), a JSON path, a byte offset, a named tensor or key.
enum Location {
    static func names(_ message: String, places: [String]) -> Bool {
        if places.contains(where: message.contains) { return true }
        let fileAndLine = #/[\w.-]+\.(json|jsonl|csv|tsv|txt|gguf|safetensors):\d+/#
        if message.contains(fileAndLine) { return true }
        let markers = ["byte ", "offset", "tensor ", "tensors ", "metadata ", "model configuration: ",
                       "stages.", "params.", "line "]
        return markers.contains(where: message.contains)
    }
}
