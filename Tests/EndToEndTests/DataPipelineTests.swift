import Foundation
import Testing

/// Alpaca records in the seed's style; every third mentions 咳嗽 so substitution matters.
func medicalRecords(_ count: Int) -> String {
    (0..<count).map { i in
        let symptom = i % 3 == 0 ? "持续咳嗽伴血痰" : "头痛\(i % 7)天"
        return #"{"instruction": "诊断建议生成", "input": "患者\#(i % 2 == 0 ? "男性" : "女性"),\#(20 + i % 60)岁,\#(symptom)", "output": "建议:\#(i)号方案 1.血常规 2.胸部CT"}"#
    }.joined(separator: "\n") + "\n"
}

let dataManifest = #"""
{
  "name": "e2e",
  "stages": {
    "records": {"kind": "load", "params": {"dataset": "data/medical.jsonl", "format": "alpaca"}},
    "more": {"kind": "augment", "inputs": {"dataset": "records"},
             "params": {"seed": 42, "copies": 2, "replace": {"input": {"咳嗽": ["胸痛", "呼吸困难", "咯血"]}}, "split": {"eval": 0.1}}},
    "notes": {"kind": "load", "params": {"dataset": "data/notes.txt", "format": "text"}},
    "mixed": {"kind": "augment", "inputs": {"dataset": "notes"}, "params": {"seed": 1, "shuffle": true}}
  }
}
"""#

@Suite("pipe run on a data pipeline", .serialized)
struct DataPipelineTests {
    func makeProject(records: Int = 60) throws -> Project {
        let project = try Project()
        try project.write("pipeline.json", dataManifest)
        try project.write("data/medical.jsonl", medicalRecords(records))
        try project.write("data/notes.txt", "现金流量表分析\n计算ROIC\n资产负债率\n")
        return project
    }

    @Test("the first run computes every stage and the second reuses every stage")
    func cachedRerun() throws {
        let project = try makeProject()
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try first.statuses() == ["records": "ran", "more": "ran", "notes": "ran", "mixed": "ran"])
        let second = try project.pipe("run", "pipeline.json", "--json")
        #expect(second.status == 0)
        #expect(try second.statuses() == ["records": "cached", "more": "cached", "notes": "cached", "mixed": "cached"])
        #expect(try second.digests() == first.digests())
        let status = try project.pipe("status", "pipeline.json")
        #expect(status.stdout.components(separatedBy: "cached").count == 5, "\(status.stdout)")
    }

    @Test("changing one param reruns exactly that stage and its dependents")
    func paramChange() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.pipe("run", "pipeline.json", "--json")
        try project.write("pipeline.json", dataManifest.replacingOccurrences(of: #""seed": 42"#, with: #""seed": 7"#))
        let status = try project.pipe("status", "pipeline.json", "--json")
        #expect(status.stdout.contains("params changed"), "\(status.stdout)")
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(try rerun.statuses() == ["records": "cached", "more": "ran", "notes": "cached", "mixed": "cached"])
    }

    @Test("editing a data file invalidates load and downstream; touch alone does not")
    func fileChange() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.pipe("run", "pipeline.json", "--json")
        let data = project.folder.appendingPathComponent("data/medical.jsonl")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(30)], ofItemAtPath: data.path)
        #expect(try project.pipe("run", "pipeline.json", "--json").statuses().values.allSatisfy { $0 == "cached" })
        try project.write("data/medical.jsonl", medicalRecords(61))
        let status = try project.pipe("status", "pipeline.json")
        #expect(status.stdout.contains("file changed") && status.stdout.contains("input changed"), "\(status.stdout)")
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(try rerun.statuses() == ["records": "ran", "more": "ran", "notes": "cached", "mixed": "cached"])
    }

    @Test("kill -9 during a run, then a rerun gives the digests of an uninterrupted run")
    func killAndResume() throws {
        let reference = try makeProject(records: 30_000)
        defer { reference.remove() }
        let uninterrupted = try reference.pipe("run", "pipeline.json", "--json")
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        let project = try makeProject(records: 30_000)
        defer { project.remove() }
        for delay in [0.05, 0.2, 0.5] {
            let (process, _, _) = try PipeProcess.start(["run", "pipeline.json", "--json"], in: project.folder)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let resumed = try project.pipe("run", "pipeline.json", "--json")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try resumed.digests() == uninterrupted.digests())
        let verify = try project.pipe("cache", "verify", "--cache", ".pipe")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: project.folder.appendingPathComponent(".pipe/tmp").path)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("Ctrl-C stops a run cleanly (exit 130, nothing half-written) and the next run completes")
    func interrupt() throws {
        let project = try makeProject(records: 30_000)
        defer { project.remove() }
        let (process, out, err) = try PipeProcess.start(["run", "pipeline.json"], in: project.folder)
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGINT)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect([130, 0].contains(process.terminationStatus), "\(stderr)")
        if process.terminationStatus == 130 { #expect(stderr.contains("interrupted"), "\(stderr)") }
        let tmp = try FileManager.default.contentsOfDirectory(atPath: project.folder.appendingPathComponent(".pipe/tmp").path)
        #expect(tmp.isEmpty, "\(tmp)")
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try project.pipe("cache", "verify", "--cache", ".pipe").status == 0)
    }

    @Test("a byte flipped in a cached object is detected and the artifact recomputed")
    func corruptObject() throws {
        let project = try makeProject()
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        let digest = try #require(first.digests()["records"])
        let object = project.folder.appendingPathComponent(".pipe/objects/\(digest.prefix(2))/\(digest).zst")
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: object)
        let rerun = try project.pipe("run", "pipeline.json", "--json", "--force", "more")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let records = try #require(rerun.stages()["records"])
        #expect(records["status"] as? String == "ran")
        #expect((records["note"] as? String)?.contains("corrupt") == true)
        #expect(try rerun.digests() == first.digests())
        #expect(try project.pipe("cache", "verify", "--cache", ".pipe").status == 0)
    }

    @Test("cache verify finds a corrupt object and removes it; the next run recomputes it")
    func verifyFindsCorruption() throws {
        let project = try makeProject()
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        let digest = try #require(first.digests()["mixed"])
        let object = project.folder.appendingPathComponent(".pipe/objects/\(digest.prefix(2))/\(digest).zst")
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count - 5] ^= 0x01
        try bytes.write(to: object)
        let verify = try project.pipe("cache", "verify", "--cache", ".pipe")
        #expect(verify.status == 1 && verify.stdout.contains("1 corrupt"), "\(verify.stdout)")
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(try rerun.statuses()["mixed"] == "ran")
        #expect(try rerun.digests() == first.digests())
    }

    @Test("two concurrent runs on one cache both succeed and leave it clean")
    func concurrentRuns() throws {
        let project = try makeProject(records: 5_000)
        defer { project.remove() }
        let a = try PipeProcess.start(["run", "pipeline.json", "--json"], in: project.folder)
        let b = try PipeProcess.start(["run", "pipeline.json", "--json"], in: project.folder)
        for (process, out, _) in [a, b] {
            _ = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let verify = try project.pipe("cache", "verify", "--cache", ".pipe", "--json")
        #expect(verify.status == 0 && verify.stdout.contains(#""corrupt":[]"#), "\(verify.stdout)")
        #expect(try project.pipe("run", "pipeline.json", "--json").statuses().values.allSatisfy { $0 == "cached" })
    }

    @Test("--dry-run says what would run and runs nothing")
    func dryRun() throws {
        let project = try makeProject()
        defer { project.remove() }
        let dry = try project.pipe("run", "pipeline.json", "--dry-run")
        #expect(dry.stdout.contains("would run records [load] (never run)"), "\(dry.stdout)")
        let keys = (try? FileManager.default.contentsOfDirectory(atPath: project.folder.appendingPathComponent(".pipe/keys").path)) ?? []
        #expect(keys.isEmpty)
    }

    @Test("show prints a dataset's counts per split and its first rows")
    func show() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.pipe("run", "pipeline.json")
        let shown = try project.pipe("show", "pipeline.json", "more")
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("train") && shown.stdout.contains("eval") && shown.stdout.contains("诊断建议生成"), "\(shown.stdout)")
    }
}
