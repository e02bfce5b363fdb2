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

    @Test("a submission folder none of whose jobs is still recorded is superseded; the others are not")
    func supersededJobFolders() throws {
        let root = try makeTemporaryFolder("pipe-shared")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root)
        for name in ["20261201-100000-aaaa", "20261201-110000-bbbb", "20261201-120000-cccc"] {
            try FileManager.default.createDirectory(
                at: store.jobsFolder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let log = { (folder: String, stage: String) in store.jobsFolder.appendingPathComponent("\(folder)/\(stage).log").path }
        try SubmittedJobs(store: store, manifest: root.appendingPathComponent("a.json")).record([
            "x": .init(id: "1", key: "k", log: log("20261201-110000-bbbb", "x"), submitted: Date()),
            "y": .init(id: "2", key: "k", log: log("20261201-110000-bbbb", "y"), submitted: Date()),
        ])
        try SubmittedJobs(store: store, manifest: root.appendingPathComponent("b.json")).record([
            "x": .init(id: "3", key: "k", log: log("20261201-120000-cccc", "x"), submitted: Date())
        ])
        #expect(SubmittedJobs.supersededFolders(in: store).map(\.lastPathComponent) == ["20261201-100000-aaaa"])
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
