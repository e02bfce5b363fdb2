import CommandStage
import Foundation
import JSON
import PipeCore
import Testing

@Suite("The command stage's params and placeholders")
struct CommandStageParamsTests {
    func issues(_ params: JSONValue, inputs: Set<String> = ["dataset"]) throws -> [String] {
        let decoded = try CommandStage.Params.decode(params)
        return CommandStage.check(decoded, wiredInputs: inputs).map(\.description)
    }

    @Test("known placeholders, literal braces and jq filters pass")
    func validPlaceholders() throws {
        let found = try issues(["run": ["sort", "{inputs.dataset}/train.jsonl", "{output}", "{a: .b}", "{{inputs.x}"]])
        #expect(found.isEmpty, "\(found)")
    }

    @Test("an input that is not wired is refused at its argument, with the wired names")
    func unknownInput() throws {
        let found = try issues(["run": ["cat", "{inputs.datset}"]])
        #expect(found == [
            "run[1]: {inputs.datset}: no input \"datset\" is wired to this stage (did you mean {inputs.dataset}?); "
                + "its inputs: dataset"
        ])
    }

    @Test("near-miss placeholders in run and env are refused")
    func nearMisses() throws {
        let found = try issues(["run": ["cat", "{input.dataset}"], "env": ["OUT": "{outputs}"]])
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.hasPrefix("run[1]: {input.dataset} is not a placeholder") == true, "\(found)")
        #expect(found.last?.hasPrefix("env.OUT: {outputs} is not a placeholder") == true, "\(found)")
    }

    @Test("an empty argument vector, a bad env name, an escaping stdout and a missing program are refused")
    func otherMistakes() throws {
        #expect(throws: ManifestError.self) { try CommandStage.Params.decode(["run": []]) }
        let found = try issues(["run": ["no-such-program-anywhere"], "env": ["1X": "y"], "stdout": "../x"])
        #expect(found.contains { $0.hasPrefix("env.1X: environment variable names") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("stdout: expected a relative file path inside {output}") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("run[0]: no program \"no-such-program-anywhere\" on PATH") }, "\(found)")
    }

    @Test("files: a folder stands for each file under it, named by its path")
    func folderFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lib/sub"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: folder.appendingPathComponent("lib/b.py"))
        try Data("c".utf8).write(to: folder.appendingPathComponent("lib/sub/a.py"))
        try Data("d".utf8).write(to: folder.appendingPathComponent("main.py"))
        let params = try CommandStage.Params.decode(["run": ["true"], "files": ["main.py", "lib"]])
        let files = CommandStage.externalFiles(for: params, in: folder)
        #expect(files.map(\.name) == ["main.py", "lib/b.py", "lib/sub/a.py"])
        #expect(files.map(\.param.description) == ["files[0]", "files[1]", "files[1]"])
    }
}
