import Foundation

/// Paths of the package root, the shared reference data and the demo model.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let reference = packageRoot.appendingPathComponent("../shared/reference").standardizedFileURL
    static let demoModel = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")

    /// A fresh temporary folder for files a test writes.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
