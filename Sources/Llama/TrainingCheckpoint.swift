// Resumable training checkpoints: one safetensors file in the checkpoint
// folder holding the trainable weights, the AdamW moments, and in its
// metadata the step, the data position (epoch, batch index into the shuffled
// order), the dropout RNG state and the run's fingerprint (hyper-parameters
// and training-set size). Written to a temporary file, fsynced and renamed,
// so a kill at any moment leaves the previous checkpoint or the new one.

import Foundation
import Safetensors
import Tensor

extension Trainer {
    /// The checkpoint file inside `folder`.
    public static func checkpointFile(in folder: URL) -> URL {
        folder.appendingPathComponent("checkpoint.safetensors")
    }

    /// What must match for a checkpoint to belong to this run.
    var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hp = hyperparameters
        hp.checkpointEvery = 0  // how often to save does not change the run
        hp.evalEvery = 0
        let json = (try? encoder.encode(hp)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "\(json) examples=\(trainingSetCount) trainable=\(trainable.count) "
            + "config=\(model.config.hiddenSize)x\(model.config.layerCount)"
    }

    /// Writes the checkpoint atomically; returns its file.
    @discardableResult
    public func saveCheckpoint(to folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafetensorsWriter()
        let n = trainable.count
        func data(_ p: UnsafePointer<Float>) -> Data { Data(bytes: p, count: n * MemoryLayout<Float>.size) }
        try writer.add("trainable", dtype: .f32, shape: [n], data: data(trainable.baseAddress!))
        try writer.add("adamw.m", dtype: .f32, shape: [n], data: data(optimizer.m))
        try writer.add("adamw.v", dtype: .f32, shape: [n], data: data(optimizer.v))
        let r = dropoutRNG
        writer.metadata = [
            "format": "pipe.training-checkpoint.v1",
            "fingerprint": fingerprint,
            "step": String(step),
            "adamw_step": String(optimizer.step),
            "epoch": String(epoch),
            "batch_index": String(batchIndex),
            "dropout_rng": [r.s0, r.s1, r.s2, r.s3].map { String($0) }.joined(separator: " "),
        ]
        let file = Self.checkpointFile(in: folder)
        try writer.write(to: file)  // temporary file, fsync, rename
        let dir = open(folder.path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
        return file
    }

    /// Restores the run from the folder's checkpoint; false when there is none.
    public func loadCheckpoint(from folder: URL) throws -> Bool {
        let file = Self.checkpointFile(in: folder)
        // temporary files of a write that was killed midway
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in leftovers where name.hasPrefix(".\(file.lastPathComponent).") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        guard FileManager.default.fileExists(atPath: file.path) else { return false }
        func fail(_ reason: String) -> TrainingError { .incompatibleCheckpoint(path: file.path, reason: reason) }
        let st: SafetensorsFile
        do { st = try SafetensorsFile(contentsOf: file) } catch { throw fail("unreadable: \(error)") }
        let meta = st.metadata
        guard meta["format"] == "pipe.training-checkpoint.v1" else { throw fail("not a training checkpoint") }
        guard meta["fingerprint"] == fingerprint else {
            throw fail("made by a different run (other hyper-parameters, data size or model); remove it to start over")
        }
        guard let s = meta["step"].flatMap(Int.init), let a = meta["adamw_step"].flatMap(Int.init),
              let e = meta["epoch"].flatMap(Int.init), let b = meta["batch_index"].flatMap(Int.init),
              let words = meta["dropout_rng"]?.split(separator: " ").compactMap({ UInt64($0) }), words.count == 4 else {
            throw fail("metadata is incomplete")
        }
        let n = trainable.count
        func load(_ name: String, into dst: UnsafeMutablePointer<Float>) throws {
            let values: [Float]
            do { values = try st.floats(name) } catch { throw fail("\(name): \(error)") }
            guard values.count == n else { throw fail("\(name) has \(values.count) values, expected \(n)") }
            values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: n) }
        }
        try load("trainable", into: trainable.baseAddress!)
        try load("adamw.m", into: optimizer.m)
        try load("adamw.v", into: optimizer.v)
        step = s
        optimizer.step = a
        epoch = e
        batchIndex = b
        dropoutRNG.s0 = words[0]; dropoutRNG.s1 = words[1]; dropoutRNG.s2 = words[2]; dropoutRNG.s3 = words[3]
        return true
    }
}
