import Foundation
import JSON
import Logging
import PipeCache

/// What a running stage gets from the engine.
public final class StageContext: Sendable {
    /// The stage's id in the manifest.
    public let stageID: String
    /// The stage's cache key.
    public let key: String
    /// Write the output artifact's files here.
    public let outputFolder: URL
    /// Survives an interrupted run of this key (put checkpoints here); removed once the stage succeeds.
    public let checkpointFolder: URL
    /// The manifest's folder: relative paths in params resolve against it.
    public let manifestFolder: URL
    /// An empty folder for temporary files, private to this run of the stage and removed when it
    /// ends (after a crash, by the next run), never part of the artifact.
    public let scratchFolder: URL
    /// A logger labelled `pipe.<stage id>` (standard error, level from `PIPE_LOG`).
    public let logger: Logger
    private let reporter: any ProgressReporter
    private let metricsLock = NSLock()
    nonisolated(unsafe) private var recordedMetrics: JSONValue?
    nonisolated(unsafe) private var logLines: [String] = []
    nonisolated(unsafe) private var droppedLogLines = 0

    /// How many of the latest `say` lines the run record keeps.
    public static let logLimit = 1000

    /// `scratchFolder` defaults to a new folder beside `outputFolder`.
    public init(
        stageID: String, key: String, outputFolder: URL, checkpointFolder: URL, manifestFolder: URL,
        scratchFolder: URL? = nil, reporter: any ProgressReporter = SilentReporter()
    ) {
        self.stageID = stageID
        self.key = key
        self.outputFolder = outputFolder
        self.checkpointFolder = checkpointFolder
        self.manifestFolder = manifestFolder
        self.scratchFolder =
            scratchFolder
            ?? outputFolder.deletingLastPathComponent().appendingPathComponent(
                "scratch-\(outputFolder.lastPathComponent)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: self.scratchFolder, withIntermediateDirectories: true)
        self.reporter = reporter
        var logger = Logger(label: "pipe.\(stageID)")
        logger[metadataKey: "stage"] = "\(stageID)"
        self.logger = logger
    }

    /// Reports progress: `completed` of `total` units (steps, rows), with an optional note (e.g. "loss 2.31").
    public func progress(_ completed: Int, of total: Int, unit: String = "", note: String = "") {
        reporter.progress(stage: stageID, completed: completed, total: total, unit: unit, note: note)
    }

    /// A line for the person watching (the latest `logLimit` lines are also kept in the run record).
    public func say(_ message: String) {
        metricsLock.withLock {
            logLines.append(message)
            // Trimmed in batches, so a chatty stage costs amortized constant time per line.
            if logLines.count >= 2 * Self.logLimit {
                droppedLogLines += logLines.count - Self.logLimit
                logLines.removeFirst(logLines.count - Self.logLimit)
            }
        }
        reporter.message(stage: stageID, message)
    }

    /// What the stage said, oldest first: the latest `logLimit` lines, after a line counting the
    /// ones left out.
    public var log: [String] {
        metricsLock.withLock {
            let dropped = droppedLogLines + max(0, logLines.count - Self.logLimit)
            let kept = logLines.suffix(Self.logLimit)
            return dropped > 0 ? ["(\(dropped) earlier lines left out)"] + kept : Array(kept)
        }
    }

    /// Throws `CancellationError` once the run was interrupted (Ctrl-C); long loops call it often.
    public func checkCancellation() throws {
        try Task.checkCancellation()
    }

    /// Measurements of this run of the stage (timings, throughput): kept in the run record and
    /// `pipe run --json`, never in the artifact, whose bytes must not depend on how fast a machine is.
    public func recordMetrics(_ metrics: JSONValue) {
        metricsLock.withLock { recordedMetrics = metrics }
    }

    /// What the stage recorded with `recordMetrics`.
    public var metrics: JSONValue? { metricsLock.withLock { recordedMetrics } }

    /// Writes what `pipe show` prints of the output artifact: Markdown, and JSON for `--json`.
    public func writeSummary(markdown: String, json: JSONValue? = nil) throws {
        try Data(markdown.utf8).write(to: outputFolder.appendingPathComponent(ArtifactSummary.markdownFile))
        if let json {
            try Data(json.prettyText.utf8).write(to: outputFolder.appendingPathComponent(ArtifactSummary.jsonFile))
        }
    }

    /// Writes a file into the checkpoint folder whole or not at all (a crash leaves the previous one).
    public func writeCheckpointFile(_ data: Data, named name: String) throws {
        try AtomicFile.write(data, to: checkpointFolder.appendingPathComponent(name))
    }

    /// A file of the checkpoint folder, or nil when an earlier run left none.
    public func checkpointFile(named name: String) -> Data? {
        try? Data(contentsOf: checkpointFolder.appendingPathComponent(name))
    }

    /// The SHA-256 of a file's bytes, as 64 hex digits.
    public func sha256(ofFile url: URL) throws -> String {
        try Digest.ofFile(at: url).hex
    }

    /// Resolves a path from params against the manifest's folder.
    public func resolve(_ path: String) -> URL {
        resolvePath(path, in: manifestFolder)
    }
}

/// A path from a manifest: absolute, `~/...`, or relative to the manifest's folder.
public func resolvePath(_ path: String, in folder: URL) -> URL {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
    if path.hasPrefix("~/") {
        return URL(fileURLWithPath: NSString(string: path).expandingTildeInPath).standardizedFileURL
    }
    return folder.appendingPathComponent(path).standardizedFileURL
}
