import Foundation
import Testing
import TestSupport

/// Runs `pipe` with standard output or standard error on /dev/full (every write fails with ENOSPC).
private func runWithFullStream(_ arguments: [String], stderrFull: Bool = false, in folder: URL) throws -> Int32 {
    let process = Process()
    process.executableURL = PipeProcess.binary
    process.arguments = arguments
    process.currentDirectoryURL = folder
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    process.standardOutput = stderrFull ? FileHandle.nullDevice : full
    process.standardError = stderrFull ? full : FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

@Suite("Output that cannot be written")
struct OutputErrorTests {
    @Test("commands whose output is lost exit 74 (EX_IOERR) instead of 0 or a trap")
    func lostOutputIsAnIOError() throws {
        let root = PipeProcess.packageRoot
        let tiny = TestPaths.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf").path
        for arguments in [["stages"], ["schema"], ["dag", "pipelines/quickstart.json"], ["status", "pipelines/quickstart.json"],
                          ["tokenize", "--model", tiny, "hello"], ["--help"],
                          ["generate", "--model", tiny, "--prompt", "hi", "--max-new-tokens", "4"]] {
            #expect(try runWithFullStream(arguments, in: root) == 74, "\(arguments)")
        }
        #expect(try runWithFullStream(["validate", "/nonexistent/manifest.json"], stderrFull: true, in: root) == 74)
    }

    @Test("a run whose progress cannot be written exits 74 and its finished stages stay cached and intact")
    func runWithFullStderrKeepsTheCache() throws {
        let project = try quickstartProject()
        defer { project.remove() }
        #expect(try runWithFullStream(["run", "quickstart.json"], stderrFull: true, in: project.folder) == 74)
        let rerun = try project.pipe("run", "quickstart.json", "--json")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try rerun.statuses().values.allSatisfy { $0 == "cached" }, "\(rerun.stdout)")
        let verify = try project.pipe("cache", "verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
