import PipeKit
import SpellCheckStage

await PipeTool.main(extraStages: [SpellCheckStage.self])
