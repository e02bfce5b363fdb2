import AugmentStage
import CommandStage
import EvaluateStage
import ExportStage
import LoadStage
import MergeStage
import QuantizeStage
import TokenizeStage
import TrainStage
import PipeCore

/// Every stage kind `pipe` knows: one registration line per built-in kind, plus the kinds a
/// program built on PipeKit adds for the commands it runs.
public enum StageCatalog {
    /// The kinds the commands use: the built-in ones, or those given to `withRegistry`.
    public static var registry: StageRegistry { added ?? builtIn }

    @TaskLocal static var added: StageRegistry?

    /// Runs `body` with `registry` as every command's set of stage kinds.
    public static func withRegistry<T: Sendable>(
        _ registry: StageRegistry, _ body: () async throws -> T
    ) async rethrows -> T {
        try await $added.withValue(registry, operation: body)
    }

    /// The kinds built into `pipe`.
    public static var builtIn: StageRegistry {
        var registry = StageRegistry()
        registry.register(LoadStage.self)
        registry.register(AugmentStage.self)
        registry.register(TokenizeStage.self)
        registry.register(TrainStage.self)
        registry.register(EvaluateStage.self)
        registry.register(MergeStage.self)
        registry.register(QuantizeStage.self)
        registry.register(ExportStage.self)
        registry.register(CommandStage.self)
        return registry
    }
}
