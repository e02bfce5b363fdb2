// PipeKit: the API for stage kinds written outside this repository.
//
// A package that depends on the `PipeKit` product imports this one module and gets:
// - from PipeCore: `Stage`, `StageParams`, `@Param`, `ParamValue`, `ParamChoice`, `AutoOr`, `FilePath`,
//   `ParamType`, `ParameterSpec`, `ArtifactType`, `InputPort`, `Artifact`, `StageInputs`, `StageContext`,
//   `StageError`, `ManifestIssue`, `ExternalFile`, `Export`, `resolvePath`;
// - from JSON: `JSONValue` and `JSONPath` (params of type `.json`, paths of issues);
// - from Datasets: the `dataset` artifact's folder format (`Dataset`, `DatasetInfo`, `DatasetWriter`,
//   `Record`, `RecordShape`, ...), version `DatasetInfo.formatVersion`;
// - `PipeTool.main(extraStages:)`, the command line with the built-in kinds plus the package's own.
// These are the public API under semantic versioning (CHANGELOG.md). Other public symbols the
// re-exported modules happen to have (the executor, planner, manifest loader) are pipe's internals.
@_exported import Datasets
@_exported import JSON
@_exported import PipeCore
