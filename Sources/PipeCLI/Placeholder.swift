import ArgumentParser

public struct PipeCommand: AsyncParsableCommand {
    public init() {}
}
