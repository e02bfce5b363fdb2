import AugmentStage
import EvaluateStage
import ExportStage
import LoadStage
import MergeStage
import QuantizeStage
import TokenizeStage
import TrainStage
import PipeCore

/// Every stage kind `pipe` knows: one registration line per kind.
public enum StageCatalog {
    public static var registry: StageRegistry {
        var registry = StageRegistry()
        registry.register(LoadStage.self)
        registry.register(AugmentStage.self)
        registry.register(TokenizeStage.self)
        registry.register(TrainStage.self)
        registry.register(EvaluateStage.self)
        registry.register(MergeStage.self)
        registry.register(QuantizeStage.self)
        registry.register(ExportStage.self)
        return registry
    }
}
