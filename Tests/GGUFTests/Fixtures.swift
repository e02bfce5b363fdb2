import Foundation
import TestSupport

/// Paths of the package root, the reference data and the demo model.
enum Fixtures {
    static let packageRoot = TestPaths.packageRoot
    static let reference = TestPaths.reference
    static let demoModel = TestPaths.demoModel

    /// A fresh temporary folder for files a test writes.
    static func temporaryFolder() throws -> URL { try makeTemporaryFolder("gguf-tests") }
}
