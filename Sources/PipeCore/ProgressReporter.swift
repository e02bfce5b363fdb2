import Foundation

/// Where the executor and stages report what is going on.
public protocol ProgressReporter: Sendable {
    func started(stage: String, kind: String)
    func progress(stage: String, completed: Int, total: Int, unit: String, note: String)
    func message(stage: String, _ text: String)
    func finished(_ outcome: StageOutcome)
}

/// Reports nothing (tests, `--quiet`).
public struct SilentReporter: ProgressReporter {
    public init() {}
    public func started(stage: String, kind: String) {}
    public func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {}
    public func message(stage: String, _ text: String) {}
    public func finished(_ outcome: StageOutcome) {}
}
