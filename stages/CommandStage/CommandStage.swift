import Foundation
import JSON
import PipeCore

/// `command`: any program as a cached stage.
///
/// `run` is an argument vector, launched directly (no shell, so nothing in an argument is
/// interpreted); `{inputs.NAME}` becomes the unpacked, read-only folder of the artifact wired to
/// input NAME and `{output}` an empty folder the program fills. The cache key covers the argument
/// vector, `env`, `output`, the input artifacts' keys and the content of every file in `files`. The
/// program's output lines go to the progress lines and the run record; a non-zero exit fails the
/// stage with the code and the last lines of standard error. Only `{output}` is kept: anything the
/// program writes elsewhere is not part of the artifact.
public struct CommandStage: Stage {
    public static let kind = "command"
    public static let version = 1
    public static let summary =
        "Runs any program (an argument vector, no shell) on input artifacts' folders; what it writes into "
        + "{output} becomes a dataset, model or files artifact"
    public static let inputs: [InputPort] = [
        .anyName(
            accepts: [.any],
            doc: "Any artifact under any name; {inputs.NAME} in run or env is its unpacked, read-only folder.")
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { ArtifactType(params.output.rawValue) }

    public static func check(_ params: Params, wiredInputs: Set<String>) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        let wired = wiredInputs.sorted()
        func checkTemplate(_ text: String, at path: JSONPath) {
            let template: Template
            do { template = try Template(parsing: text) } catch {
                issues.append(ManifestIssue(path, "\(error)"))
                return
            }
            for case let .input(name) in template.placeholders where !wiredInputs.contains(name) {
                let hint = closestMatch(to: name, in: wired).map { " (did you mean {inputs.\($0)}?)" } ?? ""
                let known = wired.isEmpty ? "the stage has no inputs" : "its inputs: \(wired.joined(separator: ", "))"
                issues.append(
                    ManifestIssue(
                        path, "{inputs.\(name)}: no input \"\(name)\" is wired to this stage\(hint); \(known)"))
            }
        }
        for (index, argument) in params.run.enumerated() { checkTemplate(argument, at: .root.key("run").index(index)) }
        for (name, value) in params.env.sorted(by: { $0.key < $1.key }) {
            if !Self.isEnvironmentName(name) {
                issues.append(
                    ManifestIssue(
                        .root.key("env").key(name), "environment variable names are letters, digits and '_', "
                            + "not starting with a digit"))
            }
            checkTemplate(value, at: .root.key("env").key(name))
        }
        if let file = params.stdout, !Self.isInsideOutput(file) {
            issues.append(
                ManifestIssue(.root.key("stdout"), "expected a relative file path inside {output}, got \"\(file)\""))
        }
        if let program = params.run.first, !program.contains("/"), !program.contains("{") {
            let path = params.env["PATH"] ?? ProgramEnvironment.inheritedPath
            if ProgramEnvironment.find(program, onPath: path) == nil {
                issues.append(ManifestIssue(.root.key("run").index(0), "no program \"\(program)\" on PATH (\(path))"))
            }
        }
        return issues
    }

    public static func requiredInputs(for params: Params) -> Set<String> { [] }

    /// Each file of `files`; a folder stands for every file under it.
    public static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        params.files.enumerated().flatMap { index, path in
            let url = resolvePath(path, in: folder)
            let param = JSONPath.root.key("files").index(index)
            let inside = Self.filesInside(url)
            guard !inside.isEmpty else { return [ExternalFile(name: path, url: url, param: param)] }
            return inside.map { ExternalFile(name: "\(path)/\($0.name)", url: $0.url, param: param) }
        }
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let programOutput = context.scratchFolder.appendingPathComponent("output")
        let temporary = context.scratchFolder.appendingPathComponent("tmp")
        for folder in [programOutput, temporary] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        func expand(_ text: String) throws -> String {
            try Template(parsing: text).expanded(output: programOutput.path) { name in
                inputs[name]?.folder.path ?? ""
            }
        }
        let arguments = try params.run.map(expand)
        guard let programName = arguments.first else { throw StageError.failed("run is empty") }
        var environment = ProgramEnvironment.base(temporary: temporary)
        for (name, value) in params.env { environment[name] = try expand(value) }
        let executable = try ProgramEnvironment.executable(
            programName, path: environment["PATH"] ?? ProgramEnvironment.inheritedPath,
            manifestFolder: context.manifestFolder)

        let readOnly = inputs.artifacts.values.map(\.folder)
        ReadOnlyFolders.set(readOnly, readOnly: true)
        defer { ReadOnlyFolders.set(readOnly, readOnly: false) }
        context.say("$ " + arguments.map(ProgramEnvironment.quoted).joined(separator: " "))
        let program = ProgramRun(
            executable: executable, arguments: Array(arguments.dropFirst()), environment: environment,
            directory: context.manifestFolder,
            stdoutFile: params.stdout.map { programOutput.appendingPathComponent($0) })
        if let file = program.stdoutFile {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        let ending = try await program.run { stream, line in
            context.say(stream == .stderr ? "! \(line)" : line)
        }
        guard ending.status == 0, !ending.signalled else {
            throw CommandError.failed(
                program: programName, status: ending.status, signalled: ending.signalled,
                stderrTail: ending.stderrTail)
        }
        try context.checkCancellation()
        try CommandOutput.finish(
            params.output, from: programOutput, into: context.outputFolder, stage: context.stageID)
    }

    /// The regular files under a folder, by path relative to it, sorted; empty for a file.
    static func filesInside(_ folder: URL) -> [(name: String, url: URL)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue,
            let walker = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [])
        else { return [] }
        let base = folder.standardizedFileURL.path
        var found: [(name: String, url: URL)] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(base + "/") else { continue }
            found.append((String(full.dropFirst(base.count + 1)), url))
        }
        return found.sorted { $0.name < $1.name }
    }

    /// A relative path that stays inside the folder it is relative to.
    static func isInsideOutput(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.isEmpty && !path.hasPrefix("/") && !parts.contains { $0 == ".." || $0 == "." || $0.isEmpty }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }
}
