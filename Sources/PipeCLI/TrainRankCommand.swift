import ArgumentParser
import Collective
import Foundation
import TrainStage

/// `pipe train-rank REQUEST`: one rank of a data-parallel `train` stage, started by the stage
/// through mpirun or srun (hidden: nobody types it).
struct TrainRankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-rank", abstract: "One MPI rank of a train stage with processes > 1.",
        shouldDisplay: false)

    @Argument(help: "The request file the train stage wrote.")
    var request: String

    func run() throws {
        let world: MPIWorld
        do { world = try MPIWorld() } catch { throw ValidationError("\(error)") }
        do {
            try TrainStage.runRank(requestFile: URL(fileURLWithPath: request), reducer: world)
        } catch {
            // The other ranks wait in a sum that will never come: end them all.
            printError("rank \(world.rank) of \(world.size): \(error)")
            world.abort(code: 1)
        }
        world.finalize()
    }
}
