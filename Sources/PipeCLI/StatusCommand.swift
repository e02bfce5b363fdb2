import ArgumentParser
import Foundation
import JSON
import PipeCache
import PipeCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each stage: cached, stale (and why), or never run."
    )

    @OptionGroup var manifest: ManifestOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    struct Row: Encodable {
        var id: String
        var kind: String
        var state: String
        var reasons: [String]
        var key: String
        /// The Slurm job last submitted for this key, and what Slurm says of it.
        var job: StageJobStatus?
    }

    func run() async throws {
        let (pipeline, store, plan) = try manifest.plan()
        let records = RunRecords(store: store, manifest: pipeline.url).load()
        let jobs = StageJobStatus.current(pipeline: pipeline, plan: plan, store: store)
        var rows: [Row] = []
        for id in pipeline.order {
            guard let stage = pipeline.stage(id) else { continue }
            let state = plan.state(of: id, store: store, records: records)
            var reasons: [String] = []
            if case let .stale(why) = state, why != [.neverRun] { reasons = why.map(\.rawValue) }
            rows.append(
                Row(
                    id: id, kind: stage.kind.kind, state: state.label, reasons: reasons, key: plan.keys[id] ?? "",
                    job: jobs[id]))
        }
        if json {
            try printJSON(["stages": rows])
            return
        }
        let width = rows.map(\.id.count).max() ?? 0
        for row in rows {
            var why = row.reasons.isEmpty ? "" : " (\(row.reasons.joined(separator: ", ")))"
            if let job = row.job { why += "; Slurm \(job.summary)" }
            print(
                "\(row.id.padding(toLength: width, withPad: " ", startingAt: 0))  "
                    + "\(row.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(row.state)\(why)")
        }
    }
}

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a manifest (kinds, params, inputs, types, cycles, files) without running anything.",
        discussion: "Exits 0 if the manifest is valid, 64 with every problem and its JSON path if not."
    )

    @OptionGroup var manifest: ManifestOptions

    @Flag(name: .long, help: "Print the problems as JSON: {\"valid\": bool, \"issues\": [{\"path\", \"message\"}]}.")
    var json = false

    struct Issue: Encodable { var path: String; var message: String }
    struct Result: Encodable { var valid: Bool; var issues: [Issue] }

    func run() async throws {
        guard json else {
            _ = try manifest.plan()
            print("\(manifest.manifest): valid")
            return
        }
        do {
            let pipeline = try ManifestLoader(registry: StageCatalog.registry).load(manifest.url)
            let store = try ArtifactStore(root: pipeline.cacheFolder)
            _ = try Plan(pipeline, digests: FileDigests(store: store))
            try printJSON(Result(valid: true, issues: []))
        } catch let error as ManifestError {
            var issues = error.issues.map { Issue(path: $0.path.description, message: $0.message) }
            if issues.isEmpty { issues = [Issue(path: "", message: error.description)] }
            try printJSON(Result(valid: false, issues: issues))
            throw ExitCodes.usage
        }
    }
}
