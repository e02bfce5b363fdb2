// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pipe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pipe", targets: ["pipe"]),
        // The API for stage kinds written in other packages (semantic versioning; see CHANGELOG.md).
        .library(name: "PipeKit", targets: ["PipeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // MARK: System libraries

        // libzstd through a module map (Debian: libzstd-dev).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        // OpenBLAS's CBLAS interface through a module map (Debian: libopenblas-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // Open MPI's C API through a module map (Debian: libopenmpi-dev; pkg-config finds its flags).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi"),

        // MARK: Engine (no ML)

        // The strict JSON parser, values that keep key order, and JSON paths (a leaf: no dependencies).
        .target(name: "JSON"),
        // The seeded, portable SplitMix64 generator of the data stages and the model's seeds (a leaf).
        .target(name: "Random"),

        // The Slurm client: sbatch, squeue, scontrol and scancel run without a shell, and their outputs parsed.
        .target(name: "Slurm"),

        // Manifest, stage contract, registry, graph, planner and executors (local; Slurm jobs).
        .target(name: "PipeCore", dependencies: [
            "JSON", "PipeCache", "Slurm",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Content-addressed zstd artifact store, cache keys, file digests, run records, locks.
        .target(name: "PipeCache", dependencies: [
            "JSON", "CZstd",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // The `pipe report` page: HTML and inline SVG drawn from a plain model (no engine, no ML; a leaf).
        .target(name: "Report"),

        // MARK: Model half (no engine)

        // Eight-lane float/int operations lowered to AVX2 vector instructions, for the kernels and quantizers (a leaf).
        .target(name: "Lanes", swiftSettings: [
            .unsafeFlags(["-O", "-target-cpu", "haswell"]), .enableExperimentalFeature("BuiltinModule"),
        ]),
        // Which x86 extensions the CPU has (cpuid, xgetbv), for choosing kernels at start.
        .target(name: "CPUID"),
        // Blocked matrix products in C with AVX-512 intrinsics, each function built for its instruction set by a
        // target attribute and called only when cpuid reports it: bfloat16 operands with float32 sums (AVX512_BF16),
        // and the float32 products that Tensor's sgemm runs under the AVX-512 kernel set instead of OpenBLAS
        // (AVX-512 F): a GEMM for more than 16 columns, narrow kernels for at most 16. Optimized even in debug
        // builds, as Tensor.
        .target(name: "GEMM", cSettings: [.unsafeFlags(["-O2"])]),
        // Decoding's kernels in C: the quantized matrix-vector product's rows (AVX2 and AVX-512, each function
        // built for its instruction set by a target attribute and called only when cpuid reports it) and input,
        // single-query attention's products, argmax, and software prefetch for Swift code. Optimized even in
        // debug builds, as Tensor.
        .target(name: "DecodeKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // float32 tensors and kernels over OpenBLAS and the GEMM target, and the quantized matrix-vector product.
        // Optimized even in debug builds (the test suite trains and runs real models), and for
        // AVX2/FMA (`-target-cpu haswell`), which the kernels' 8-lane vectors (Lanes) are written for.
        .target(name: "Tensor", dependencies: ["CBLAS", "Random", "Lanes", "CPUID", "GEMM", "DecodeKernels"],
                swiftSettings: [.unsafeFlags(["-O", "-target-cpu", "haswell"])]),
        // Read-only, memory-mapped file bytes (shared by the model file formats).
        .target(name: "MappedFile"),
        // GGUF files, read and write, and the quantized block formats.
        // Optimized even in debug builds: the quantizers loop over every weight of an export. For
        // AVX2 (`-target-cpu haswell`, as Tensor), which the Q8_0 / Q4_1 quantizers' 8-lane vectors are written for.
        .target(name: "GGUF", dependencies: ["MappedFile", "Lanes"],
                swiftSettings: [.unsafeFlags(["-O", "-target-cpu", "haswell"])]),
        // safetensors files, read and write.
        .target(name: "Safetensors", dependencies: ["MappedFile"]),
        // Byte-level BPE tokenizers, pre-tokenizers and chat templates.
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        // Llama-family models: config, parameters, forward, generation.
        .target(name: "Llama", dependencies: ["Random", "Tensor", "GGUF", "Safetensors", "Tokenizer"], swiftSettings: [.unsafeFlags(["-O", "-target-cpu", "haswell"])]),
        // Gradients summed over the ranks of an MPI launch (the only module that links libmpi).
        .target(name: "Collective", dependencies: ["CMPI", "Llama"]),
        // ONNX export of Llama decoders (KV cache in and out), through a hand-written protobuf encoder.
        // Optimized even in debug builds: transposing and merging weights loops over every one.
        .target(name: "ONNX", dependencies: ["Llama", "Tensor"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Writing models and adapters for other tools: GGUF for llama.cpp (quantized on the way), Hugging Face and PEFT folders.
        .target(name: "ModelExport", dependencies: ["JSON", "Llama", "GGUF", "Safetensors", "Tokenizer", "Tensor"],
                swiftSettings: [.unsafeFlags(["-O"])]),

        // MARK: Stages (the only adapters between engine and model half)

        // The dataset artifact's files (records per split), shared by the stages that read and write it.
        .target(name: "Datasets", dependencies: ["JSON", "Safetensors"]),

        // The model artifact's files (a reference to the weights by digest) and opening it as a model.
        .target(name: "ModelArtifacts", dependencies: ["JSON", "Llama", "Tokenizer", "GGUF", "Safetensors", "PipeCache"]),
        // `load`: datasets from JSON/JSONL/CSV/text, and base models.
        .target(name: "LoadStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts"], path: "stages/LoadStage"),
        // `tokenize`: chat templates and tokenizer over a dataset, with prompt masking.
        .target(name: "TokenizeStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts", "Tokenizer"], path: "stages/TokenizeStage"),
        // `train`: LoRA or full fine-tuning with resumable checkpoints.
        .target(name: "TrainStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts", "Llama", "Tensor"],
                path: "stages/TrainStage"),
        // `evaluate`: loss, perplexity, generations and reference metrics, tuned vs base.
        .target(name: "EvaluateStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts", "Llama", "Tokenizer"], path: "stages/EvaluateStage"),
        // `merge`: weighted adapters folded into their base, or concatenated into one adapter.
        .target(name: "MergeStage", dependencies: ["PipeCore", "ModelArtifacts", "Llama"], path: "stages/MergeStage"),
        // `export`: models and adapters written for other tools (transformers, peft, onnxruntime), published at a path.
        .target(name: "ExportStage", dependencies: ["PipeCore", "ModelArtifacts", "ModelExport", "ONNX", "Llama", "GGUF"], path: "stages/ExportStage"),
        // `quantize`: a model stored in a GGUF precision kept in blocks, with size and perplexity before and after.
        .target(name: "QuantizeStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts", "ModelExport", "Llama"],
                path: "stages/QuantizeStage"),
        // `augment`: replacement rules, copies, templates, filters, shuffle, split.
        .target(name: "AugmentStage", dependencies: ["JSON", "PipeCore", "Datasets", "Random"], path: "stages/AugmentStage"),
        // `command`: any program (an argument vector, no shell) as a cached stage.
        .target(name: "CommandStage", dependencies: ["JSON", "PipeCore", "Datasets", "ModelArtifacts"],
                path: "stages/CommandStage"),

        // MARK: Command line

        // The `pipe` commands and the stage registry.
        .target(name: "PipeCLI", dependencies: [
            "JSON", "PipeCore", "PipeCache", "Datasets", "ModelArtifacts", "Llama", "Tensor", "Tokenizer", "Report", "LoadStage", "AugmentStage", "TokenizeStage", "TrainStage", "EvaluateStage", "MergeStage", "QuantizeStage", "ExportStage", "Collective",
            "CommandStage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The public API for stage kinds in other packages: the Stage protocol, params, artifacts, the entry point.
        .target(name: "PipeKit", dependencies: ["JSON", "PipeCore", "Datasets", "PipeCLI"]),
        // The entry point only.
        .executableTarget(name: "pipe", dependencies: ["PipeCLI"]),
        // Benchmarks: `swift run -c release pipe-bench <name>`.
        .executableTarget(name: "pipe-bench", dependencies: ["JSON", "PipeCache", "Llama", "Random", "Tensor", "GGUF"]),
        // Exports a model to ONNX with pipe's logits beside it, for `scripts/interop/onnx.sh`.
        .executableTarget(name: "onnx-interop", dependencies: ["Llama", "ONNX", "Tensor"], path: "scripts/interop/ExportONNX"),
        // GGUF exports for the llama.cpp interop checks: scripts/interop/gguf.sh.
        .executableTarget(name: "pipe-export-check", dependencies: ["GGUF", "Llama", "MappedFile", "ModelExport", "Tokenizer"]),

        // MARK: Tests

        .target(name: "TestSupport", path: "Tests/TestSupport"),  // paths of the package, its fixtures and the demo model
        .testTarget(name: "PipeCoreTests", dependencies: ["TestSupport", "JSON", "PipeCache", "PipeCore"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "SlurmTests", dependencies: ["TestSupport", "Slurm"]),
        .testTarget(name: "ReportTests", dependencies: ["Report"]),
        .testTarget(name: "PipeCacheTests", dependencies: ["TestSupport", "JSON", "PipeCache"]),
        .testTarget(name: "RandomTests", dependencies: ["Random"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "GGUFTests", dependencies: ["TestSupport", "GGUF", "Safetensors"]),
        .testTarget(name: "SafetensorsTests", dependencies: ["TestSupport", "Safetensors"]),
        .testTarget(name: "TokenizerTests", dependencies: ["TestSupport", "Tokenizer", "GGUF"]),
        .testTarget(name: "ONNXTests", dependencies: ["TestSupport", "Llama", "ONNX"]),
        .testTarget(name: "ModelExportTests", dependencies: [
            "TestSupport", "JSON", "Llama", "GGUF", "Safetensors", "Tokenizer", "ModelExport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "LlamaTests", dependencies: ["TestSupport", "Tensor", "GGUF", "Safetensors", "Tokenizer", "Llama"]),
        .testTarget(name: "DatasetsTests", dependencies: ["TestSupport", "JSON", "Datasets"]),
        .testTarget(name: "ModelArtifactsTests", dependencies: ["TestSupport", "Llama", "ModelArtifacts"]),
        .testTarget(name: "LoadStageTests", dependencies: ["TestSupport", "JSON", "LoadStage", "PipeCore", "Datasets"]),
        .testTarget(name: "AugmentStageTests", dependencies: ["TestSupport", "JSON", "PipeCache", "AugmentStage", "PipeCore", "Datasets"]),
        .testTarget(name: "TokenizeStageTests", dependencies: ["TestSupport", "JSON", "PipeCache", "Tokenizer", "TokenizeStage", "PipeCore", "Datasets", "ModelArtifacts"]),
        .testTarget(name: "EvaluateStageTests", dependencies: ["TestSupport", "JSON", "PipeCache", "Tokenizer", "Llama", "EvaluateStage", "PipeCore", "Datasets", "ModelArtifacts"]),
        .testTarget(name: "TrainStageTests", dependencies: [
            "TestSupport", "JSON", "PipeCache", "PipeCore", "Datasets", "Llama", "ModelArtifacts", "Tokenizer", "TrainStage",
        ]),
        .testTarget(name: "CommandStageTests", dependencies: ["TestSupport", "JSON", "CommandStage", "PipeCore"]),
        .testTarget(name: "PipeKitTests", dependencies: ["PipeKit"]),
        .testTarget(name: "StageCatalogTests", dependencies: ["JSON", "Llama", "PipeCLI", "PipeCore", "TrainStage"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Safetensors", "Slurm", "pipe"]),
        // Seeded, bounded fuzzing of manifests, data files, GGUF and safetensors (the mutators live here).
        .testTarget(name: "FuzzTests", dependencies: [
            "TestSupport", "JSON", "Random", "GGUF", "Safetensors", "Tokenizer", "Llama", "ModelExport", "pipe",
        ]),
    ]
)
