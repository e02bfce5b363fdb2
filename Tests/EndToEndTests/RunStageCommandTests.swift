import Foundation
import Testing

/// `pipe run-stage`, what a cluster job runs: one stage, only when its inputs are cached.
@Suite("pipe run-stage")
struct RunStageCommandTests {
    let manifest = #"""
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/medical.jsonl", "format": "alpaca" } },
            "more": { "kind": "augment", "inputs": { "dataset": "records" }, "params": { "seed": 1, "copies": 1 } }
        } }
        """#

    @Test("a stage whose input is not cached is refused, naming the input; once it is, the stage runs")
    func refusesUncachedInputs() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", manifest)
        try project.write("data/medical.jsonl", medicalRecords(6))
        let refused = try project.pipe("run-stage", "pipeline.json", "more")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(#"pipe run-stage: stage "more" needs input "dataset" from stage "records", which is not cached"#), "\(refused.stderr)")
        #expect(try project.pipe("run-stage", "pipeline.json", "records").status == 0)
        let ran = try project.pipe("run-stage", "pipeline.json", "more")
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stderr.contains("ran     more (augment)"))
        let status = try project.pipe("status", "pipeline.json")
        #expect(status.stdout.components(separatedBy: "cached").count == 3, "\(status.stdout)")
        let again = try project.pipe("run-stage", "pipeline.json", "more")
        #expect(again.status == 0 && again.stderr.contains("cached  more (augment)"), "\(again.stderr)")
    }

    @Test("a job that cannot see the submitter's marker fails saying the cache is not shared")
    func unsharedCache() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", manifest)
        try project.write("data/medical.jsonl", medicalRecords(6))
        let marker = project.folder.appendingPathComponent(".pipe/jobs/x/submitted").path
        let refused = try project.pipe("run-stage", "--marker", marker, "--", "pipeline.json", "records")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot see the cache: \(marker)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("must be on a filesystem every node sees"))
        #expect(!FileManager.default.fileExists(atPath: project.folder.appendingPathComponent(".pipe/keys").path))
    }

    @Test("a job for a key the manifest no longer has is refused")
    func keyChanged() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", manifest)
        try project.write("data/medical.jsonl", medicalRecords(6))
        let refused = try project.pipe("run-stage", "--key", String(repeating: "ab", count: 32), "pipeline.json", "records")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(#"stage "records" changed since its job was submitted"#), "\(refused.stderr)")
    }
}
