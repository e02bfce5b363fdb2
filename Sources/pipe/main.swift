import PipeCLI

await PipeCommand.main()
