import Foundation
import PipeCLI
import PipeCore

/// The `pipe` command line, as a library: a package with its own stage kinds runs it from a
/// three-line `main.swift`:
///
///     import PipeKit
///
///     await PipeTool.main(extraStages: [SpellCheckStage.self])
///
/// Every command (`run`, `status`, `stages`, `schema`, ...) then knows the built-in kinds and the
/// extra ones; the extra kinds are validated, cached and resumed like the built-in ones.
public enum PipeTool {
    /// Parses the process's arguments, runs the command and exits the process with its exit code
    /// (0, 1 for a failed run, 64 for a usage or manifest error, 130 when interrupted).
    ///
    /// - Parameter extraStages: stage kinds to offer beside the built-in ones. A kind name that
    ///   is already taken (built in, or given twice) is refused with exit code 64 before anything runs.
    public static func main(extraStages: [any Stage.Type] = []) async -> Never {
        let registry: StageRegistry
        do {
            registry = try Self.registry(adding: extraStages)
        } catch {
            StandardStreams.writeError("pipe: \(error)\n")
            exit(64)
        }
        await StageCatalog.withRegistry(registry) {
            await PipeCommand.start()
        }
        exit(0)
    }

    /// The built-in stage kinds plus `extraStages`.
    public static func registry(adding extraStages: [any Stage.Type]) throws(PipeToolError) -> StageRegistry {
        var registry = StageCatalog.builtIn
        for stage in extraStages {
            let kind = stage.kind
            guard registry[kind] == nil else { throw .duplicateKind(kind) }
            registry.register(stage)
        }
        return registry
    }
}

/// Why `PipeTool` refused to start.
public enum PipeToolError: Error, CustomStringConvertible, Equatable {
    /// Two stage types declare the same `kind`.
    case duplicateKind(String)

    public var description: String {
        switch self {
        case let .duplicateKind(kind):
            return "two stage types are named \"\(kind)\"; give the added one another `kind`"
        }
    }
}
