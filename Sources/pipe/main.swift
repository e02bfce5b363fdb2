import PipeCLI

await PipeCommand.start()
