import Foundation
import GGUF
import Llama
import ModelArtifacts
import ModelExport
import ONNX
import PipeCore

/// `export`: the end of a pipeline — a model or adapter written where the tools people deploy with
/// load it, and published at `path` outside the cache (restored if deleted, rewritten when stale).
///
/// The artifact keeps the export under `export/`, so a cached run republishes it without recomputing.
public struct ExportStage: Stage {
    public static let kind = "export"
    public static let version = 1
    public static let summary =
        "Writes a model or adapter for other tools: GGUF (merged or LoRA), "
        + "Hugging Face, PEFT or ONNX, published at a path."
    public static let inputs: [InputPort] = [
        InputPort(
            "model", accepts: ["model", "adapter"],
            doc: "The model (adapters merged on the way) or, for peft and gguf-lora, the adapter."),
        InputPort("base", accepts: ["model"], optional: true,
                  doc: "For an adapter trained on a model from this cache (quantize, merge or full training): "
                      + "that model."),
    ]
    static let exportFolder = "export"

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "files" }

    public static func exports(for params: Params, in folder: URL) -> [Export] {
        let destination = resolvePath(params.path, in: folder)
        return [Export(file: "\(exportFolder)/\(destination.lastPathComponent)", destination: destination,
                       isFolder: params.format.isFolder)]
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let input = try inputs.require("model")
        let loaded = try openModelArtifact(in: input.folder, manifestFolder: context.manifestFolder,
                                           baseFolder: inputs["base"]?.folder)
        let name = context.resolve(params.path).lastPathComponent
        let target = context.outputFolder.appendingPathComponent(Self.exportFolder).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch params.format {
        case .gguf:
            let type = try params.type.fixed ?? Self.precision(of: input.folder, manifestFolder: context.manifestFolder)
            try GGUFExport.writeModel(
                loaded.model, tokenizer: loaded.tokenizer, template: loaded.chatTemplate, type: type,
                name: input.producer, to: target)
        case .ggufLoRA:
            guard input.type == "adapter", let adapter = loaded.model.adapters.first else {
                throw StageError.failed(
                    "format gguf-lora exports an adapter; "
                        + "stage \"\(input.producer)\" produces \(input.type.withArticle)")
            }
            try GGUFExport.writeLoRA(adapter, config: loaded.model.config, name: input.producer, to: target)
        case .hf:
            try HFExport.write(loaded.model, tokenizer: loaded.tokenizer, template: loaded.chatTemplate, to: target)
        case .peft:
            guard input.type == "adapter", let adapter = loaded.model.adapters.first else {
                throw StageError.failed(
                    "format peft exports an adapter; stage \"\(input.producer)\" produces \(input.type.withArticle)")
            }
            let described = try AdapterArtifact.read(from: input.folder)
            let base = params.baseModel ?? URL(fileURLWithPath: described.base.path).lastPathComponent
            try PEFTExport.write(adapter, baseModel: base, to: target)
        case .onnx:
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try ONNXExport.write(loaded.model, to: target.appendingPathComponent("model.onnx"))
        }
        let files = try Self.listing(target)
        let total = files.reduce(0) { $0 + $1.bytes }
        var summary =
            "\(params.format.rawValue) export of \(input.producer) at \(params.path) (\(Self.formatBytes(total)))\n"
        for file in files { summary += "  \(file.name)  \(Self.formatBytes(file.bytes))\n" }
        try context.writeSummary(markdown: summary, json: [
            "format": .string(params.format.rawValue), "path": .string(params.path),
            "files": .array(files.map { ["name": .string($0.name), "bytes": .number(Double($0.bytes))] }),
        ])
        context.say("\(params.format.rawValue) → \(params.path), \(Self.formatBytes(total))")
    }

    /// The precision of the GGUF file a model (or an adapter's base) is read from; f32 for float weights.
    static func precision(of folder: URL, manifestFolder: URL) throws -> QuantizationType {
        let model = FileManager.default.fileExists(atPath: folder.appendingPathComponent(AdapterArtifact.fileName).path)
            ? try AdapterArtifact.read(from: folder).base : try ModelArtifact.read(from: folder)
        guard let url = model.ggufFile(in: folder, manifestFolder: manifestFolder),
              let fileType = try GGUFFile(contentsOf: url).metadata.int("general.file_type") else { return .f32 }
        return QuantizationType(fileType: fileType) ?? .f32
    }

    /// The files of an export (itself when it is one file), with their sizes, by relative name.
    static func listing(_ url: URL) throws -> [(name: String, bytes: Int)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return [] }
        func size(_ file: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        }
        guard isFolder.boolValue else { return [(url.lastPathComponent, try size(url))] }
        return try FileManager.default.subpathsOfDirectory(atPath: url.path).sorted().compactMap { name in
            var inner: ObjCBool = false
            let file = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &inner), !inner.boolValue else {
                return nil
            }
            return (name, try size(file))
        }
    }

    static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
