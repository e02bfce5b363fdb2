import Foundation
import TestSupport

/// Paths of the package root and the reference data.
enum Fixtures {
    static let packageRoot = TestPaths.packageRoot
    static let reference = TestPaths.reference

    /// A fresh temporary folder for files a test writes.
    static func temporaryFolder() throws -> URL { try makeTemporaryFolder("safetensors-tests") }
}
