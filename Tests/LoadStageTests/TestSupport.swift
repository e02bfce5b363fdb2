import LoadStage
import Datasets
import Foundation
import JSON
import PipeCore
import TestSupport

let packageRoot = TestPaths.packageRoot

let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/data")

/// A stage's params from manifest JSON, validated with the kind's defaults filled in as the engine does.
func decodeParams<S: Stage>(_ type: S.Type, _ text: String) throws -> S.Params {
    try S.Params.decode(try JSONParser.parse(text))
}

/// A scratch manifest folder with data files in it, removed by `cleanUp`.
struct Sandbox {
    let folder: URL

    init() throws {
        folder = try makeTemporaryFolder("load")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    /// Writes `text` to `data/<name>` and returns the manifest-relative path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: folder.appendingPathComponent("data/\(name)"))
        return "data/\(name)"
    }

    /// Copies a fixture into `data/` and returns the manifest-relative path.
    func copyFixture(_ name: String) throws -> String {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: folder.appendingPathComponent("data/\(name)"))
        return "data/\(name)"
    }

    /// Runs `load` with params given as JSON; returns the output folder.
    func load(_ params: String, output: String = "out") async throws -> URL {
        let out = folder.appendingPathComponent(output)
        let context = StageContext(stageID: "records", key: "test", outputFolder: out,
                                   checkpointFolder: folder.appendingPathComponent("checkpoint"), manifestFolder: folder)
        try await LoadStage().run(try decodeParams(LoadStage.self, params), inputs: StageInputs([:]), context: context)
        return out
    }

    func cleanUp() { try? FileManager.default.removeItem(at: folder) }
}
