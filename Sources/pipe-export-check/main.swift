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
        let loadStart = Date()
        let model: LlamaModel, tokenizer: BPETokenizer
        if FileKind(path: input.path) == .regularFile {
            // One parse of the GGUF file for both the weights and the vocabulary.
            let file = try GGUFFile(contentsOf: input)
            model = try LlamaModel(gguf: file, path: input.path)
            tokenizer = try BPETokenizer(gguf: file)
        } else {
            model = try LlamaModel.load(contentsOf: input)
            tokenizer = try BPETokenizer(contentsOf: input)
        }
        if arguments.count == 5 {
            model.adapters = [try LoRAAdapter(peftFolder: URL(fileURLWithPath: arguments[4]), config: model.config)]
        }
        let loaded = Date().timeIntervalSince(loadStart)
        let start = Date()
        try GGUFExport.writeModel(model, tokenizer: tokenizer, template: tokenizer.chatTemplate, type: type,
                                  name: input.deletingPathExtension().lastPathComponent, to: out)
        print(String(format: "loaded in %.2f s; wrote %@ (%@) in %.2f s", loaded, out.path, type.rawValue,
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
