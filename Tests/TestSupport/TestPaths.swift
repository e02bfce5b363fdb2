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

    /// The demo model, put in `models/` by `scripts/bootstrap`.
    public static let demoModel = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// A new empty folder under the system's temporary directory, named `<prefix>-<uuid>`.
public func makeTemporaryFolder(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
