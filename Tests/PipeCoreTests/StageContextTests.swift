import Foundation
import JSON
import PipeCache
import PipeCore
import TestSupport
import Testing

/// `resume`: counts up to `steps`, one checkpoint file per step; fails once at `fail_at` unless the
/// checkpoint says it already failed there — like a training run killed midway.
struct ResumeStage: Stage {
    struct Params: StageParams {
        @Param(doc: "Steps.", min: 1) var steps = 5
        @Param(doc: "Fail once at this step (0: never).", min: 0) var failAt = 0
    }

    static let kind = "resume"
    static let version = 1
    static let summary = "Counts with checkpoints."
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "text" }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let checkpoint = context.checkpointFolder.appendingPathComponent("step.txt")
        let failedMarker = context.checkpointFolder.appendingPathComponent("failed-once")
        var step = (try? String(contentsOf: checkpoint, encoding: .utf8)).flatMap { Int($0) } ?? 0
        let resumedFrom = step
        while step < params.steps {
            step += 1
            try String(step).write(to: checkpoint, atomically: true, encoding: .utf8)
            if step == params.failAt && !FileManager.default.fileExists(atPath: failedMarker.path) {
                try Data().write(to: failedMarker)
                throw StageError.failed("crashed at step \(step)")
            }
        }
        try "done \(step) resumed from \(resumedFrom)".write(to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

/// `publish`: writes `text.txt` and exports it to `path`.
struct PublishStage: Stage {
    struct Params: StageParams {
        @Param(type: .path, required: true, doc: "Where to publish.") var path = ""
        @Param(doc: "Content.") var text = "exported"
    }
    static let kind = "publish"
    static let version = 1
    static let summary = "Exports a file."
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "files" }
    static func exports(for params: Params, in folder: URL) -> [Export] {
        [Export(file: "text.txt", destination: resolvePath(params.path, in: folder))]
    }
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        try params.text.write(to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

@Suite("Stage context")
struct StageContextTests {
    func executor(_ manifest: String, in folder: URL) throws -> Executor {
        var registry = testRegistry
        registry.register(ResumeStage.self)
        registry.register(PublishStage.self)
        let url = folder.appendingPathComponent("m.json")
        try manifest.write(to: url, atomically: true, encoding: .utf8)
        let pipeline = try ManifestLoader(registry: registry).load(url)
        let store = try ArtifactStore(root: pipeline.cacheFolder)
        return Executor(pipeline: pipeline, plan: try Plan(pipeline, digests: FileDigests(store: store)), store: store, reporter: SilentReporter())
    }

    @Test("the checkpoint folder survives a failed run of the same key and is removed after success")
    func checkpointsSurvive() async throws {
        let folder = try makeTemporaryFolder("pipe-tests")
        let executor = try executor(#"{"stages": {"count": {"kind": "resume", "params": {"steps": 5, "fail_at": 3}}}}"#, in: folder)
        let first = await executor.run(RunOptions())
        #expect(first.stages.first?.status == .failed)
        let key = try #require(executor.plan.keys["count"])
        #expect(FileManager.default.fileExists(atPath: executor.store.scratchFolder(for: key).appendingPathComponent("step.txt").path))
        let second = await executor.run(RunOptions())
        #expect(second.stages.first?.status == .ran)
        let out = folder.appendingPathComponent("out")
        try executor.store.unpack(key: key, into: out)
        #expect(try String(contentsOf: out.appendingPathComponent("text.txt"), encoding: .utf8) == "done 5 resumed from 3")
        #expect(!FileManager.default.fileExists(atPath: executor.store.scratchFolder(for: key).path))
    }

    @Test("exported files are published, and restored from the cache when deleted")
    func exports() async throws {
        let folder = try makeTemporaryFolder("pipe-tests")
        let executor = try executor(#"{"stages": {"out": {"kind": "publish", "params": {"path": "out/result.txt"}}}}"#, in: folder)
        let published = folder.appendingPathComponent("out/result.txt")
        #expect(await executor.run(RunOptions()).stages.first?.status == .ran)
        #expect(try String(contentsOf: published, encoding: .utf8) == "exported")
        try FileManager.default.removeItem(at: published)
        #expect(await executor.run(RunOptions()).stages.first?.status == .cached)
        #expect(try String(contentsOf: published, encoding: .utf8) == "exported")
    }
}
