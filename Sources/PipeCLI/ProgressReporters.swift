import Foundation
import PipeCore

/// Rate and ETA from the first progress report of a stage.
struct ProgressClock {
    let start = Date()
    var firstCompleted: Int?

    mutating func rateAndETA(completed: Int, total: Int) -> (rate: Double, eta: Double?) {
        if firstCompleted == nil { firstCompleted = completed }
        let elapsed = Date().timeIntervalSince(start)
        let done = Double(completed - (firstCompleted ?? 0))
        guard elapsed > 0.2, done > 0 else { return (0, nil) }
        let rate = done / elapsed
        return (rate, total > completed ? Double(total - completed) / rate : 0)
    }
}

func formatDuration(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    let s = Int(seconds.rounded())
    if s < 3600 { return String(format: "%d:%02d", s / 60, s % 60) }
    return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
}

func outcomeLine(_ outcome: StageOutcome) -> String {
    switch outcome.status {
    case .ran:
        return "ran     \(outcome.id) (\(outcome.kind)) in \(formatDuration(outcome.seconds))"
            + (outcome.note.map { " — \($0)" } ?? "")
    case .cached: return "cached  \(outcome.id) (\(outcome.kind))"
    case .failed: return "FAILED  \(outcome.id) (\(outcome.kind)): \(outcome.error ?? "unknown error")"
    case .skipped: return "skipped \(outcome.id) (\(outcome.kind))" + (outcome.error.map { ": \($0)" } ?? "")
    }
}

/// Plain lines, for logs and pipes: a line when a stage starts and ends, progress at most every few seconds.
public final class LineReporter: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var clocks: [String: ProgressClock] = [:]
    private var lastPrinted: [String: Date] = [:]
    private let interval: TimeInterval
    private let write: @Sendable (String) -> Void

    public init(
        interval: TimeInterval = 5,
        write: @escaping @Sendable (String) -> Void = { StandardStreams.writeError($0 + "\n") }
    ) {
        self.interval = interval
        self.write = write
    }

    public func started(stage: String, kind: String) {
        lock.withLock { clocks[stage] = ProgressClock() }
        write("start   \(stage) (\(kind))")
    }

    public func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {
        let line: String? = lock.withLock {
            var clock = clocks[stage] ?? ProgressClock()
            let (rate, eta) = clock.rateAndETA(completed: completed, total: total)
            clocks[stage] = clock
            let now = Date()
            guard completed >= total || now.timeIntervalSince(lastPrinted[stage] ?? .distantPast) >= interval else {
                return nil
            }
            lastPrinted[stage] = now
            var text = "        \(stage): \(completed)/\(total) \(unit)".trimmingCharacters(in: .whitespaces)
            text = "        " + text
            if rate > 0 { text += String(format: ", %.1f %@/s", rate, unit.isEmpty ? "it" : unit) }
            if let eta, completed < total { text += ", ETA \(formatDuration(eta))" }
            if !note.isEmpty { text += ", \(note)" }
            return text
        }
        if let line { write(line) }
    }

    public func message(stage: String, _ text: String) {
        write("        \(stage): \(text)")
    }

    public func finished(_ outcome: StageOutcome) {
        write(outcomeLine(outcome))
    }
}

/// A live block of progress bars on a terminal, one per running stage, redrawn in place.
public final class TerminalReporter: ProgressReporter, @unchecked Sendable {
    struct Bar {
        var kind: String
        var completed = 0
        var total = 0
        var unit = ""
        var note = ""
        var clock = ProgressClock()
    }

    private let lock = NSLock()
    private var bars: [(id: String, bar: Bar)] = []
    private var drawnLines = 0
    private var lastDraw = Date.distantPast

    public init() {}

    public func started(stage: String, kind: String) {
        lock.withLock {
            bars.append((stage, Bar(kind: kind)))
            redraw(force: true)
        }
    }

    public func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {
        lock.withLock {
            guard let index = bars.firstIndex(where: { $0.id == stage }) else { return }
            bars[index].bar.completed = completed
            bars[index].bar.total = total
            bars[index].bar.unit = unit
            bars[index].bar.note = note
            redraw(force: false)
        }
    }

    public func message(stage: String, _ text: String) {
        lock.withLock { printAbove("        \(stage): \(text)") }
    }

    public func finished(_ outcome: StageOutcome) {
        lock.withLock {
            bars.removeAll { $0.id == outcome.id }
            printAbove(outcomeLine(outcome))
        }
    }

    private func printAbove(_ line: String) {
        clear()
        emit(line + "\n")
        redraw(force: true)
    }

    private func clear() {
        if drawnLines > 0 { emit(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines) + "\r") }
        drawnLines = 0
    }

    private func redraw(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        clear()
        var text = ""
        for index in bars.indices {
            let id = bars[index].id
            var bar = bars[index].bar
            let (rate, eta) = bar.clock.rateAndETA(completed: bar.completed, total: bar.total)
            bars[index].bar.clock = bar.clock
            let fraction = bar.total > 0 ? min(1, Double(bar.completed) / Double(bar.total)) : 0
            let width = 24
            let filled = Int(fraction * Double(width))
            var line =
                "  \(id) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                + "]"
            if bar.total > 0 { line += " \(bar.completed)/\(bar.total) \(bar.unit)" }
            if rate > 0 { line += String(format: " %.1f/s", rate) }
            if let eta, bar.completed < bar.total { line += " ETA \(formatDuration(eta))" }
            if !bar.note.isEmpty { line += " \(bar.note)" }
            text += String(line.prefix(150)) + "\n"
        }
        emit(text)
        drawnLines = bars.count
    }

    private func emit(_ text: String) {
        StandardStreams.writeError(text)
    }
}
