// The tokenizer part of a GGUF model file, in llama.cpp's `tokenizer.*` keys:
//
//   tokenizer.ggml.model        "gpt2" (byte-level BPE)
//   tokenizer.ggml.pre          the pre-tokenizer's llama.cpp name (gpt-2, default, llama-bpe, qwen2, smollm)
//   tokenizer.ggml.tokens       [string] token texts by id (byte-level alphabet; control tokens as text)
//   tokenizer.ggml.token_type   [int32] 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
//   tokenizer.ggml.merges       [string] "left right", best rank first
//   tokenizer.ggml.bos_token_id / eos_token_id / eot_token_id / padding_token_id / unknown_token_id  uint32
//   tokenizer.ggml.add_bos_token / add_eos_token  bool (always written, so no reader falls back to a default)
//   tokenizer.chat_template     the Jinja template (the training template's `jinja`, else the tokenizer's own)
//
// When the embedding has more rows than the vocabulary has tokens, the vocabulary is padded with unused
// `[PAD<id>]` tokens, as llama.cpp's converter does: llama.cpp sizes the model by the token count.

import GGUF
import Tokenizer

extension GGUFExport {
    static func writeTokenizer(_ writer: inout GGUFWriter, _ tokenizer: BPETokenizer, template: ChatTemplate?,
                               vocabSize: Int) throws {
        let v = tokenizer.vocabulary
        guard v.tokens.count <= vocabSize else {
            throw GGUFExportError.vocabularyMismatch(tokens: v.tokens.count, embeddingRows: vocabSize)
        }
        let padding = vocabSize - v.tokens.count
        let tokens = v.tokens + (0..<padding).map { "[PAD\(v.tokens.count + $0)]" }
        let types = v.types.map(\.rawValue) + Array(repeating: TokenType.unused.rawValue, count: padding)
        try writer.set("tokenizer.ggml.model", .string("gpt2"))
        try writer.set("tokenizer.ggml.pre", .string(ggufName(v.preTokenizer)))
        try writer.set("tokenizer.ggml.tokens", .array(elementType: .string, tokens.map { .string($0) }))
        try writer.set("tokenizer.ggml.token_type", .array(elementType: .int32, types.map { .int32($0) }))
        try writer.set("tokenizer.ggml.merges",
                       .array(elementType: .string, v.merges.map { .string("\($0.left) \($0.right)") }))
        let ids: [(String, Int32?)] = [
            ("bos_token_id", v.special.bos), ("eos_token_id", v.special.eos), ("eot_token_id", v.special.eot),
            ("padding_token_id", v.special.pad), ("unknown_token_id", v.special.unk),
        ]
        for (key, id) in ids {
            if let id { try writer.set("tokenizer.ggml.\(key)", .uint32(UInt32(id))) }
        }
        try writer.set("tokenizer.ggml.add_bos_token", .bool(v.addBOS))
        try writer.set("tokenizer.ggml.add_eos_token", .bool(v.addEOS))
        if let jinja = template?.jinja ?? v.chatTemplate {
            try writer.set("tokenizer.chat_template", .string(jinja))
        }
    }

    /// The name llama.cpp knows a pre-tokenizer by (one of the names that select its regex).
    static func ggufName(_ kind: PreTokenizerKind) -> String {
        switch kind {
        case .gpt2: return "gpt-2"
        case .default: return "default"
        case .llama3: return "llama-bpe"
        case .qwen2: return "qwen2"
        case .smollm: return "smollm"
        }
    }
}
