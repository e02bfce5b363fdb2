import PipeCore

extension CommandStage {
    /// The type of artifact the program leaves in `{output}`.
    public enum Output: String, ParamChoice {
        /// Records: one `<split>.jsonl` file per split (and optionally `dataset.json`), checked and
        /// rewritten in the dataset artifact's format; usable by `augment`, `tokenize`, `evaluate`.
        case dataset
        /// A model: `model.gguf`, a GGUF file with its tokenizer, kept in the artifact.
        case model
        /// Any files, kept as they are.
        case files
    }

    public struct Params: StageParams {
        @Param(
            required: true,
            doc: "The program and its arguments, one string each (never through a shell): run[0] is found on "
                + "PATH, or relative to the manifest if it contains '/'. {inputs.NAME} becomes the read-only "
                + "folder of the artifact wired to input NAME, {output} the empty folder the program fills; "
                + "{{ is a literal brace.", minCount: 1)
        public var run: [String] = ["true"]
        @Param(
            type: .array(of: .path),
            doc: "Files and folders the program reads (its script, its data), relative to the manifest: their "
                + "content is part of the cache key, so editing one reruns the stage and touching it does not.")
        public var files: [String] = []
        @Param(
            doc: "What the program writes into {output}. dataset: one <split>.jsonl per split (JSON objects, "
                + "optionally a dataset.json naming format and splits), checked like load's rows and rewritten in "
                + "the dataset format; model: model.gguf, a GGUF with its tokenizer; files: any files, kept as "
                + "they are.")
        public var output: Output = .files
        @Param(
            doc: "Environment variables for the program, with the same placeholders as run. The program gets "
                + "these, PATH, HOME and TMPDIR (a private empty folder), nothing else of pipe's environment.")
        public var env: [String: String] = [:]
        @Param(
            doc: "A file in {output} (e.g. train.jsonl) that receives the program's standard output, for "
                + "programs that print their result (sort, jq); without it, standard output goes to the progress "
                + "lines and the run record.")
        public var stdout: String? = nil

        public init() {}
    }
}
