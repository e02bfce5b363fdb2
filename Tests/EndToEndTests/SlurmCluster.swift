import Foundation
import Slurm
import TestSupport
import Testing

/// The one-node Slurm cluster of `scripts/slurm-local`, brought up once for the tests that need it.
enum SlurmCluster {
    /// nil when the cluster is up; otherwise what `scripts/slurm-local up` said.
    static let failure: String? = {
        let process = Process()
        process.executableURL = TestPaths.packageRoot.appendingPathComponent("scripts/slurm-local")
        process.arguments = ["up"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return "cannot start scripts/slurm-local: \(error)"
        }
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : said
    }()

    /// Fails the test, saying why, when Slurm could not be started here (never a quiet skip).
    static func require() throws {
        if let failure {
            Issue.record("Slurm could not start on this machine (scripts/slurm-local up): \(failure)")
            throw CancellationError()
        }
    }

    /// Occupies every CPU of the node with an exclusive job, so the jobs submitted next stay pending.
    static func block(in folder: URL) throws -> String {
        let script = folder.appendingPathComponent("blocker.sh")
        try "#!/bin/sh\nsleep 600\n".write(to: script, atomically: true, encoding: .utf8)
        var request = BatchRequest(
            name: "pipe-test-blocker", script: script.path, scriptArguments: [], log: "/dev/null",
            workingDirectory: folder.path)
        request.cpusPerTask = ProcessInfo.processInfo.activeProcessorCount
        let id = try SlurmClient().submit(request)
        // Waits until it holds the node, so what follows queues behind it.
        for _ in 0..<600 where try SlurmClient().queue([id])[id]?.state != .running {
            Thread.sleep(forTimeInterval: 0.1)
        }
        return id
    }

    /// The jobs `pipe run --executor slurm` recorded for a manifest in its cache: stage id -> job id.
    static func recordedJobs(cache: URL) -> [String: String] {
        let runs = cache.appendingPathComponent("runs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
        guard let name = names.first(where: { $0.hasSuffix(".jobs.json") }),
            let data = FileManager.default.contents(atPath: runs.appendingPathComponent(name).path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]]
        else { return [:] }
        return object.compactMapValues { $0["id"] as? String }
    }
}
