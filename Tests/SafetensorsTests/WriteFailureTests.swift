import Foundation
import Safetensors
import Testing
import TestSupport

/// A failed write says "cannot write", names the file and gives the system's reason. (A training
/// checkpoint that ran out of space used to say "cannot read safetensors file".)
@Suite("Safetensors write failures")
struct WriteFailureTests {
    func writer(bytes: Int) throws -> SafetensorsWriter {
        var writer = SafetensorsWriter()
        try writer.add("trainable", floats: [Float](repeating: 0.5, count: bytes / 4), shape: [bytes / 4])
        return writer
    }

    @Test("a write onto a full disk names the file and says the disk is full, leaving no temporary file",
          .enabled(if: Tmpfs.isAvailable))
    func fullDisk() throws {
        let disk = try Tmpfs(kilobytes: 256)
        defer { disk.unmount() }
        let file = disk.folder.appendingPathComponent("checkpoint.safetensors")
        #expect(throws: SafetensorsError.unwritable(path: file.path, reason: "No space left on device")) {
            try writer(bytes: 1 << 20).write(to: file)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.folder.path).isEmpty)
    }

    @Test("a write into a folder that does not exist says so, naming the temporary file it could not create")
    func missingFolder() throws {
        let folder = try makeTemporaryFolder("safetensors-write").appendingPathComponent("gone")
        #expect {
            try writer(bytes: 64).write(to: folder.appendingPathComponent("checkpoint.safetensors"))
        } throws: { error in
            guard case let .unwritable(path, reason)? = error as? SafetensorsError else { return false }
            return path.hasPrefix(folder.path + "/.checkpoint.safetensors.") && reason == "No such file or directory"
                && "\(error)".hasPrefix("cannot write safetensors file")
        }
    }
}
