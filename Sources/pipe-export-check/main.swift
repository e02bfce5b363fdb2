// Writes GGUF exports for the interop checks (scripts/interop/gguf.sh), which then load them with
// llama.cpp; it is not part of `pipe`.
//
//   pipe-export-check model INPUT TYPE OUT [PEFT_FOLDER]   INPUT (GGUF file or Hugging Face folder) as TYPE,
//                                                          with the adapter merged when given
//   pipe-export-check lora PEFT_FOLDER BASE OUT            the adapter as a llama.cpp LoRA GGUF for BASE
//
// Prints one line: the seconds loading took, what was written and the seconds the export took
// (loading excluded; the line ends with them).

import Foundation
import GGUF
import Llama
import MappedFile
import ModelExport
import Tokenizer

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pipe-export-check: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch (arguments.first, arguments.count) {
    case ("model", 4), ("model", 5):
        let input = URL(fileURLWithPath: arguments[1])
        guard let type = QuantizationType(rawValue: arguments[2]) else {
            let known = QuantizationType.allCases.map(\.rawValue).joined(separator: ", ")
            fail("unknown type \(arguments[2]); one of \(known)")
        }
        let out = URL(fileURLWithPath: arguments[3])
        let name = input.deletingPathExtension().lastPathComponent
        let loadStart = Date()
        if FileKind(path: input.path) == .regularFile, arguments.count == 4 {
            // A GGUF file to convert: its weights are read from the mapped file as they are written.
            let file = try GGUFFile(contentsOf: input)
            let tokenizer = try BPETokenizer(gguf: file)
            let loaded = Date().timeIntervalSince(loadStart)
            let start = Date()
            try GGUFExport.writeModel(
                gguf: file, path: input.path, tokenizer: tokenizer, template: tokenizer.chatTemplate,
                type: type, name: name, to: out)
            print(
                String(
                    format: "loaded in %.2f s; wrote %@ (%@) in %.2f s", loaded, out.path, type.rawValue,
                    Date().timeIntervalSince(start)))
            exit(0)
        }
        let model = try LlamaModel.load(contentsOf: input)
        let tokenizer = try BPETokenizer(contentsOf: input)
        if arguments.count == 5 {
            model.adapters = [try LoRAAdapter(peftFolder: URL(fileURLWithPath: arguments[4]), config: model.config)]
        }
        let loaded = Date().timeIntervalSince(loadStart)
        let start = Date()
        try GGUFExport.writeModel(
            model, tokenizer: tokenizer, template: tokenizer.chatTemplate, type: type,
            name: name, to: out)
        print(
            String(
                format: "loaded in %.2f s; wrote %@ (%@) in %.2f s", loaded, out.path, type.rawValue,
                Date().timeIntervalSince(start)))
    case ("lora", 4):
        let base = try LlamaModel.load(contentsOf: URL(fileURLWithPath: arguments[2]))
        let folder = URL(fileURLWithPath: arguments[1])
        let adapter = try LoRAAdapter(peftFolder: folder, config: base.config)
        let out = URL(fileURLWithPath: arguments[3])
        let start = Date()
        try GGUFExport.writeLoRA(adapter, config: base.config, name: folder.lastPathComponent, to: out)
        print(String(format: "wrote %@ (lora) in %.2f s", out.path, Date().timeIntervalSince(start)))
    default:
        fail("usage: pipe-export-check model INPUT TYPE OUT [PEFT_FOLDER] | lora PEFT_FOLDER BASE OUT")
    }
} catch {
    fail("\(error)")
}
