import Foundation
import GGUF

extension BPETokenizer {
    /// Loads whatever `url` names: a Hugging Face folder (its `tokenizer.json` and
    /// `tokenizer_config.json`), a `.json` file, or a GGUF file.
    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            try self.init(folder: url)
        } else if url.pathExtension.lowercased() == "json" {
            try self.init(tokenizerJSON: url)
        } else {
            try self.init(gguf: GGUFFile(contentsOf: url))
        }
    }
}
