import Foundation

/// A stage's progress written as JSON lines to a file, so a process elsewhere (the `pipe run` that
/// submitted a cluster job) can show it: one `ProgressEvent` a line, appended.
public struct ProgressEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case started, progress, message }

    public var event: Kind
    public var stage: String
    public var completed: Int?
    public var total: Int?
    public var unit: String?
    public var note: String?
    public var text: String?

    public init(
        event: Kind, stage: String, completed: Int? = nil, total: Int? = nil, unit: String? = nil, note: String? = nil,
        text: String? = nil
    ) {
        self.event = event
        self.stage = stage
        self.completed = completed
        self.total = total
        self.unit = unit
        self.note = note
        self.text = text
    }
}

/// Appends what it is told to a file of `ProgressEvent` lines and passes it on to another reporter.
/// Progress lines are thinned to one a second (and the last one).
public final class ProgressEventWriter: ProgressReporter, @unchecked Sendable {
    private let handle: FileHandle?
    private let next: any ProgressReporter
    private let lock = NSLock()
    private var lastProgress = Date.distantPast

    public init(url: URL, next: any ProgressReporter) {
        // O_APPEND: every line lands at the end, even if something else appended meanwhile.
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        handle = descriptor >= 0 ? FileHandle(fileDescriptor: descriptor, closeOnDealloc: true) : nil
        self.next = next
    }


    private func append(_ event: ProgressEvent) {
        guard let handle, var line = try? JSONEncoder().encode(event) else { return }
        line.append(0x0A)
        lock.withLock { try? handle.write(contentsOf: line) }
    }

    public func started(stage: String, kind: String) {
        append(ProgressEvent(event: .started, stage: stage, text: kind))
        next.started(stage: stage, kind: kind)
    }

    public func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {
        let now = Date()
        let due = lock.withLock {
            guard completed >= total || now.timeIntervalSince(lastProgress) >= 1 else { return false }
            lastProgress = now
            return true
        }
        if due {
            append(
                ProgressEvent(
                    event: .progress, stage: stage, completed: completed, total: total, unit: unit, note: note))
        }
        next.progress(stage: stage, completed: completed, total: total, unit: unit, note: note)
    }

    public func message(stage: String, _ text: String) {
        append(ProgressEvent(event: .message, stage: stage, text: text))
        next.message(stage: stage, text)
    }

    public func finished(_ outcome: StageOutcome) { next.finished(outcome) }
}

/// Reads the lines a `ProgressEventWriter` appended since the last call and replays them (progress
/// and messages; the reader's owner says when a stage starts and ends).
public final class ProgressEventReader: @unchecked Sendable {
    public let url: URL
    private var offset: UInt64 = 0
    private var partial = Data()

    public init(url: URL) { self.url = url }

    public func replay(into reporter: any ProgressReporter) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else {
            return
        }
        offset += UInt64(data.count)
        partial.append(data)
        // Only whole lines: the writer may be mid-line.
        while let newline = partial.firstIndex(of: 0x0A) {
            let line = partial[partial.startIndex..<newline]
            partial = Data(partial[partial.index(after: newline)...])
            guard let event = try? JSONDecoder().decode(ProgressEvent.self, from: Data(line)) else { continue }
            switch event.event {
            case .started: break
            case .progress:
                reporter.progress(
                    stage: event.stage, completed: event.completed ?? 0, total: event.total ?? 0,
                    unit: event.unit ?? "", note: event.note ?? "")
            case .message: reporter.message(stage: event.stage, event.text ?? "")
            }
        }
    }
}
