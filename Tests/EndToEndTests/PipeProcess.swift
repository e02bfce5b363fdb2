import Foundation
import TestSupport
import Testing

/// Runs the built `pipe` binary, as a user would.
struct PipeProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// `pipe run --json`'s stages by id.
        func stages() throws -> [String: [String: Any]] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
            let stages = object?["stages"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: stages.map { ($0["id"] as? String ?? "", $0) })
        }

        func statuses() throws -> [String: String] {
            try stages().mapValues { $0["status"] as? String ?? "" }
        }

        func digests() throws -> [String: String] {
            try stages().mapValues { $0["digest"] as? String ?? "" }
        }
    }

    static let packageRoot = TestPaths.packageRoot

    /// The `pipe` built beside the test bundle.
    static let binary = TestPaths.pipeBinary

    /// Starts `pipe` with `arguments` in `folder`; the caller waits or kills.
    static func start(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws
        -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    @discardableResult
    static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(arguments, in: folder, environment: environment)
        // Read both pipes before waiting so a chatty process cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var stdout = Data(), stderr = Data()
        group.enter()
        DispatchQueue.global().async { stdout = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { stderr = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A temporary project folder with a manifest and its data.
struct Project {
    let folder: URL

    init() throws {
        folder = try makeTemporaryFolder("pipe-e2e")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func pipe(_ arguments: String...) throws -> PipeProcess.Result {
        try PipeProcess.run(arguments, in: folder)
    }

    func pipe(_ arguments: [String], environment: [String: String] = [:]) throws -> PipeProcess.Result {
        try PipeProcess.run(arguments, in: folder, environment: environment)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
