import Foundation

/// Where the test targets find the package, its fixtures and the demo model: from this file's
/// path, never from the current directory.
public enum TestPaths {
    /// The folder that holds Package.swift.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `Tests/Fixtures`: small data files kept in the repository.
    public static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// Outputs of llama.cpp, transformers and PyTorch the tests compare against (see its README).
    public static let reference = fixtures.appendingPathComponent("reference")

    /// The `pipe` built beside the running test bundle (debug or release, whichever ran the tests).
    public static let pipeBinary: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("pipe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/pipe")
    }()

    /// The demo model, put in `models/` by `scripts/bootstrap`.
    public static let demoModel = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// A new empty folder under the system's temporary directory, named `<prefix>-<uuid>`.
public func makeTemporaryFolder(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
