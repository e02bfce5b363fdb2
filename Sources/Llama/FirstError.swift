import Foundation

/// The first error thrown by the pieces of a parallel job (loading or writing tensors on the worker
/// pool), kept so the caller can throw it once every piece has ended.
public final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var error: Error?

    public init() {}

    public func record(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
