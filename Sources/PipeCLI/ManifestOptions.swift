import ArgumentParser
import Foundation
import JSON
import PipeCache
import PipeCore

/// The manifest argument shared by the commands that read one.
struct ManifestOptions: ParsableArguments {
    @Argument(help: "The pipeline manifest (JSON).", completion: .file(extensions: ["json"]))
    var manifest: String

    var url: URL { URL(fileURLWithPath: manifest).standardizedFileURL }

    /// Loads and validates the manifest; on any problem prints every issue and exits 64.
    func load() throws -> Pipeline {
        do {
            return try ManifestLoader(registry: StageCatalog.registry).load(url)
        } catch let error as ManifestError {
            printError(error.description)
            throw ExitCodes.usage
        }
    }

    /// The pipeline, its store and its cache keys (hashing external files; memoized).
    func plan() throws -> (Pipeline, ArtifactStore, Plan) {
        let pipeline = try load()
        let store: ArtifactStore
        do {
            store = try ArtifactStore(root: pipeline.cacheFolder)
        } catch {
            printError("\(error)")
            throw ExitCodes.failedRun
        }
        do {
            return (pipeline, store, try Plan(pipeline, digests: FileDigests(store: store)))
        } catch let error as ManifestError {
            printError(error.description)
            throw ExitCodes.usage
        }
    }
}

/// Checks a stage id given on the command line against the manifest.
func checkStage(_ id: String?, in pipeline: Pipeline, option: String) throws {
    guard let id else { return }
    guard pipeline.stage(id) != nil else {
        let ids = pipeline.stages.map(\.id)
        let hint = closestMatch(to: id, in: ids).map { " (did you mean \"\($0)\"?)" } ?? ""
        throw ValidationError(
            "\(option): no stage \"\(id)\" in \(pipeline.url.lastPathComponent)\(hint); "
                + "stages: \(ids.joined(separator: ", "))")
    }
}
