// tokenizer_config.json, as transformers reads it for a PreTrainedTokenizerFast, keys sorted:
//   add_bos_token, add_eos_token     whether encoding adds BOS / EOS (the post-processor does it)
//   added_tokens_decoder             {"<id>": {content, lstrip, normalized, rstrip, single_word, special}}
//   bos_token, eos_token, pad_token, unk_token   token texts (left out when the tokenizer has none)
//   chat_template                    the Jinja template (left out when there is none)
//   clean_up_tokenization_spaces     false: decoding gives the bytes back as they were
//   model_max_length                 the context length (left out when unknown)
//   tokenizer_class                  "PreTrainedTokenizerFast"

import Foundation
import JSON
import Tokenizer

extension TokenizerJSONWriter {
    /// The tokenizer_config.json document.
    public static func tokenizerConfig(_ tokenizer: BPETokenizer, chatTemplate: String?,
                                       modelMaxLength: Int?) -> JSONValue {
        let v = tokenizer.vocabulary
        var members: [(key: String, value: JSONValue)] = [
            ("add_bos_token", .bool(v.addBOS)), ("add_eos_token", .bool(v.addEOS)),
        ]
        let decoder: [(key: String, value: JSONValue)] = addedTokens(v).map { id, special in
            (key: String(id), value: ["content": .string(v.tokens[id]), "lstrip": false, "normalized": false,
                                      "rstrip": false, "single_word": false, "special": .bool(special)])
        }
        members.append(("added_tokens_decoder", .object(decoder)))
        func role(_ key: String, _ id: Int32?) {
            if let id { members.append((key, .string(v.tokens[Int(id)]))) }
        }
        role("bos_token", v.special.bos)
        if let chatTemplate { members.append(("chat_template", .string(chatTemplate))) }
        members.append(("clean_up_tokenization_spaces", false))
        role("eos_token", v.special.eos)
        if let modelMaxLength { members.append(("model_max_length", .number(Double(modelMaxLength)))) }
        role("pad_token", v.special.pad)
        members.append(("tokenizer_class", "PreTrainedTokenizerFast"))
        role("unk_token", v.special.unk)
        return .object(members)
    }

    /// Writes tokenizer.json and tokenizer_config.json into `folder` (which must exist), each
    /// through a temporary file renamed into place. The chat template is `template`'s Jinja form,
    /// else the tokenizer's own template string.
    public static func write(_ tokenizer: BPETokenizer, template: ChatTemplate?, modelMaxLength: Int?,
                             to folder: URL) throws {
        let json = try tokenizerJSON(tokenizer)
        let config = tokenizerConfig(tokenizer, chatTemplate: template?.jinja ?? tokenizer.vocabulary.chatTemplate,
                                     modelMaxLength: modelMaxLength)
        try HFExport.writeText(json.prettyText, to: folder.appendingPathComponent("tokenizer.json"))
        try HFExport.writeText(config.prettyText, to: folder.appendingPathComponent("tokenizer_config.json"))
    }
}
