import ArgumentParser
import Foundation
import Logging

/// `pipe`: declarative fine-tuning pipelines.
public struct PipeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Fine-tune language models on a CPU from one JSON manifest, cached and resumable.",
        subcommands: [
            RunCommand.self, RunStageCommand.self, StatusCommand.self, ValidateCommand.self, DagCommand.self,
            ShowCommand.self, ReportCommand.self,
            StagesCommand.self, SchemaCommand.self, CacheCommand.self, TokenizeCommand.self, GenerateCommand.self,
            TrainRankCommand.self,
        ]
    )

    public init() {}

    /// The entry point: sets up logging, then dispatches.
    public static func start() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["PIPE_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let code: Int32
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            code = 0
        } catch {
            code = exitCode(for: error).rawValue
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == 0 {
                    StandardStreams.writeOutput(message + "\n")
                } else {
                    StandardStreams.writeError(message + "\n")
                }
            }
        }
        Foundation.exit(StandardStreams.finish(code))
    }
}

/// Exit codes: 0 success, 1 a failed run, 64 a usage or manifest error (sysexits' EX_USAGE).
enum ExitCodes {
    static let failedRun = ExitCode(1)
    static let usage = ExitCode(64)
    static let interrupted = ExitCode(130)
}

/// Prints to standard error.
func printError(_ text: String) {
    StandardStreams.writeError(text + "\n")
}

/// Prints a Codable value as JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
