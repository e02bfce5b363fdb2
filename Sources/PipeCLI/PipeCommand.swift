import ArgumentParser
import Foundation
import Logging

/// `pipe`: declarative fine-tuning pipelines.
public struct PipeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Fine-tune language models on a CPU from one JSON manifest, cached and resumable.",
        subcommands: [
            RunCommand.self, StatusCommand.self, ValidateCommand.self, DagCommand.self, ShowCommand.self,
            StagesCommand.self, SchemaCommand.self, CacheCommand.self, TokenizeCommand.self, GenerateCommand.self,
        ]
    )

    public init() {}

    /// The entry point: sets up logging, then dispatches.
    public static func start() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["PIPE_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        await main()
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
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints a Codable value as JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
