import Foundation
import JSON
import PipeCache
import PipeCore
import Testing

@Suite("Input ports of any name (InputPort.anyName)")
struct AnyNamePortTests {
    @Test("any names, any artifact types; the stage's check sees the wired names")
    func anyNamesAndTypes() throws {
        let found = try issues(#"""
        {"stages": {"m": {"kind": "model"}, "t": {"kind": "emit"},
                    "g": {"kind": "gather", "inputs": {"weights": "m", "notes_1": "t"}, "params": {"use": ["weights", "note"]}}}}
        """#)
        #expect(found == [#"stages.g.params.use[1]: no input "note""#])
    }

    @Test("a name that cannot be a placeholder or folder name is refused at its path")
    func badName() throws {
        let found = try issues(#"{"stages": {"t": {"kind": "emit"}, "g": {"kind": "gather", "inputs": {"a.b": "t"}}}}"#)
        #expect(found == [#"stages.g.inputs["a.b"]: input names of gather are letters, digits, '_' or '-', got "a.b""#])
    }

    @Test("a kind without an anyName port still refuses unknown ports")
    func fixedPortsStayFixed() throws {
        let found = try issues(#"{"stages": {"t": {"kind": "emit"}, "j": {"kind": "join", "inputs": {"left": "t", "middle": "t"}}}}"#)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix(#"stages.j.inputs.middle: unknown input port "middle" of join"#) == true, "\(found)")
    }

    @Test("the stage gets each artifact under the name the manifest gave")
    func runGetsNamedArtifacts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("anyname-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = folder.appendingPathComponent("m.json")
        try Data(#"""
        {"stages": {"m": {"kind": "model"}, "t": {"kind": "emit"},
                    "g": {"kind": "gather", "inputs": {"weights": "m", "notes": "t"}}}}
        """#.utf8).write(to: manifest)
        let pipeline = try ManifestLoader(registry: testRegistry).load(manifest)
        let store = try ArtifactStore(root: pipeline.cacheFolder)
        let plan = try Plan(pipeline, digests: FileDigests(store: store))
        let report = await Executor(pipeline: pipeline, plan: plan, store: store, reporter: SilentReporter()).run(RunOptions())
        #expect(report.stages.map(\.status) == [.ran, .ran, .ran])
        let out = folder.appendingPathComponent("out")
        try store.unpack(key: try #require(plan.keys["g"]), into: out)
        #expect(try String(contentsOf: out.appendingPathComponent("text.txt"), encoding: .utf8) == "notes:text,weights:model")
    }

    @Test("the schema lets any port name through, as a stage id")
    func schema() throws {
        let schema = ManifestSchema.make(testRegistry)
        let text = schema.compactText
        #expect(text.contains(#""propertyNames":{"pattern":"^[A-Za-z0-9_-]{1,64}$"}"#), "\(text.prefix(400))")
    }
}
