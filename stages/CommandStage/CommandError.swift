/// Why a `command` stage failed.
public enum CommandError: Error, CustomStringConvertible {
    /// `run[0]` names no executable file.
    case noProgram(String, searched: String)
    /// The program exists but could not be started.
    case cannotLaunch(String, reason: String)
    /// The program ended with a non-zero exit code, or was killed by a signal.
    case failed(program: String, status: Int32, signalled: Bool, stderrTail: [String])
    /// What the program left in `{output}` does not fit the declared output type.
    case badOutput(String)

    public var description: String {
        switch self {
        case let .noProgram(name, searched):
            return "no program \"\(name)\" (\(searched))"
        case let .cannotLaunch(path, reason):
            return "cannot start \(path): \(reason)"
        case let .failed(program, status, signalled, tail):
            var text = signalled ? "\(program) was killed by signal \(status)" : "\(program) exited with code \(status)"
            if tail.isEmpty {
                text += " (it wrote nothing to standard error)"
            } else {
                text += "; the last lines of its standard error:\n" + tail.map { "    " + $0 }.joined(separator: "\n")
            }
            return text
        case let .badOutput(message):
            return message
        }
    }
}
