import ArgumentParser
import Foundation
import ModelArtifacts
import Tokenizer

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Print the token ids of each text.")

    @Option(name: .long, help: "A GGUF file, a Hugging Face folder (or tokenizer.json), or MANIFEST:STAGE.")
    var model: String

    @Flag(name: .long, help: "Parse special tokens such as <|im_start|> in the text.")
    var special = false

    @Flag(name: .long, help: "One JSON array of ids per text, one per line.")
    var json = false

    @Argument(help: "The texts.")
    var texts: [String]

    func run() async throws {
        let tokenizer: BPETokenizer
        if ModelLocator.splitStageReference(model) != nil {
            tokenizer = try ModelLocator.open(model).tokenizer
        } else {
            guard FileManager.default.fileExists(atPath: model) else {
                throw ValidationError("--model \(model): no such file or folder")
            }
            tokenizer = try ModelLoader.openTokenizer(URL(fileURLWithPath: model))
        }
        for text in texts {
            let ids = tokenizer.encode(text, parseSpecial: special)
            if json {
                print("[" + ids.map(String.init).joined(separator: ",") + "]")
            } else {
                let pieces = ids.map { id in
                    let piece = String(decoding: tokenizer.decodeBytes([id], renderSpecial: true), as: UTF8.self)
                    return "\(id):\(piece.debugDescription)"
                }
                print(pieces.joined(separator: " "))
            }
        }
    }
}
