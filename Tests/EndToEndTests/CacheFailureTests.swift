import Foundation
import Testing
import TestSupport

/// `pipe` on a cache it cannot write, or whose index is damaged: intact artifacts are never
/// deleted, and `cache verify` says what it could not check and why.
@Suite("pipe on a full, read-only or damaged cache", .serialized)
struct CacheFailureTests {
    func project(cache: String? = nil) throws -> Project {
        let project = try Project()
        var manifest = dataManifest
        if let cache { manifest = manifest.replacingOccurrences(of: #""name": "e2e","#, with: #""name": "e2e", "cache": "\#(cache)","#) }
        try project.write("pipeline.json", manifest)
        try project.write("data/medical.jsonl", medicalRecords(60))
        try project.write("data/notes.txt", "现金流量表分析\n计算ROIC\n资产负债率\n")
        return project
    }

    @Test("a forced run on a full disk fails naming the cause and deletes none of the upstream artifacts",
          .enabled(if: Tmpfs.isAvailable))
    func fullDisk() throws {
        let disk = try Tmpfs(kilobytes: 2048)
        defer { disk.unmount() }
        let cache = disk.folder.appendingPathComponent(".pipe").path
        let project = try project(cache: cache)
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        disk.fill()
        let forced = try project.pipe("run", "pipeline.json", "--force", "more")
        #expect(forced.status != 0)
        #expect((forced.stdout + forced.stderr).contains("No space left on device"), "\(forced.stdout)\(forced.stderr)")
        let verify = try project.pipe("cache", "verify", "--cache", cache)
        #expect(verify.status == 0 && verify.stdout.contains("4 artifacts checked, 0 corrupt"), "\(verify.stdout)\(verify.stderr)")
        disk.unfill()
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(try rerun.statuses() == ["records": "cached", "more": "cached", "notes": "cached", "mixed": "cached"])
    }

    @Test("cache verify on a read-only cache finds every intact artifact intact", .enabled(if: Tmpfs.isAvailable))
    func readOnly() throws {
        let disk = try Tmpfs(kilobytes: 2048)
        defer { disk.unmount() }
        let cache = disk.folder.appendingPathComponent(".pipe").path
        let project = try project(cache: cache)
        defer { project.remove() }
        #expect(try project.pipe("run", "pipeline.json").status == 0)
        try disk.remountReadOnly()
        let verify = try project.pipe("cache", "verify", "--cache", cache)
        #expect(verify.status == 0 && verify.stdout.contains("4 artifacts checked, 0 corrupt"), "\(verify.stdout)\(verify.stderr)")
    }

    @Test("cache verify says which artifact it could not check and why, exits 1, and keeps it")
    func unchecked() throws {
        let project = try project()
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        let digest = try #require(first.digests()["mixed"])
        let object = project.folder.appendingPathComponent(".pipe/objects/\(digest.prefix(2))/\(digest).zst")
        try FileManager.default.removeItem(at: object)
        try FileManager.default.createDirectory(at: object, withIntermediateDirectories: false)  // read(2) fails: EISDIR
        let verify = try project.pipe("cache", "verify", "--cache", ".pipe")
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains("4 artifacts checked, 0 corrupt, 1 could not be checked"), "\(verify.stdout)")
        #expect(verify.stderr.contains("could not check") && verify.stderr.contains(object.path) && verify.stderr.contains("Is a directory"), "\(verify.stderr)")
        #expect(FileManager.default.fileExists(atPath: object.path))
    }

    @Test("cache verify reports and removes a garbage key entry and exits 1; the next run recomputes that stage")
    func garbageKey() throws {
        let project = try project()
        defer { project.remove() }
        #expect(try project.pipe("run", "pipeline.json").status == 0)
        let keys = project.folder.appendingPathComponent(".pipe/keys")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: keys.path).sorted().first)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: keys.appendingPathComponent(folder).path).first)
        try Data("{garbage".utf8).write(to: keys.appendingPathComponent("\(folder)/\(name)"))
        let verify = try project.pipe("cache", "verify", "--cache", ".pipe", "--json")
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains(#""corrupt":["\#(name.dropLast(5))"]"#) && verify.stdout.contains("is not a cache entry"), "\(verify.stdout)")
        let rerun = try project.pipe("run", "pipeline.json", "--json")
        #expect(try rerun.statuses().values.filter { $0 == "ran" }.count == 1)
        #expect(try project.pipe("cache", "verify", "--cache", ".pipe").status == 0)
    }
}
