import Foundation
import PipeCache
import TestSupport
import Testing

/// A cache shared by cluster nodes: what one machine may clean up, and records written side by side.
@Suite("Shared cache")
struct SharedCacheTests {
    @Test("temporaries of dead processes on this host are swept; another host's are left alone")
    func sweepsOnlyThisHost() throws {
        let root = try makeTemporaryFolder("pipe-shared")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root)
        let mine = try store.makeTemporaryFolder("run")
        let tmp = root.appendingPathComponent("tmp")
        // A pid far above pid_max: no process has it, here or anywhere.
        let host = try #require(mine.lastPathComponent.split(separator: "@").last)
        let deadHere = tmp.appendingPathComponent("99999999-run-abcd1234@\(host)")
        let deadOld = tmp.appendingPathComponent("99999999-run-abcd1234")
        let elsewhere = tmp.appendingPathComponent("99999999-run-abcd1234@another-node.cluster")
        for folder in [deadHere, deadOld, elsewhere] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        store.sweepTemporaries()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: tmp.path))
        #expect(left == [mine.lastPathComponent, elsewhere.lastPathComponent])
    }

    @Test("job records of many writers at once are all kept")
    func concurrentJobRecords() throws {
        let root = try makeTemporaryFolder("pipe-shared")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root)
        let manifest = root.appendingPathComponent("m.json")
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            try? SubmittedJobs(store: store, manifest: manifest).record([
                "s\(index)": SubmittedJobs.Job(id: "\(index)", key: "k\(index)", log: "/l/\(index)", submitted: Date())
            ])
        }
        let jobs = SubmittedJobs(store: store, manifest: manifest).load()
        #expect(jobs.count == 16 && jobs["s7"]?.id == "7" && jobs["s7"]?.log == "/l/7")
    }
}
