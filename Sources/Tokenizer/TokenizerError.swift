/// Everything a tokenizer file (GGUF metadata or `tokenizer.json`) can get wrong.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required key is absent (`key` is the GGUF key or JSON path).
    case missingKey(String)
    /// A key holds a value of the wrong type; `expected` names the type wanted.
    case wrongType(key: String, expected: String)
    /// `tokenizer.ggml.model` (or tokenizer.json `model.type`) names a model this module cannot run.
    case unsupportedModel(String)
    /// The pre-tokenizer name or description is not one this module implements.
    case unsupportedPreTokenizer(String)
    /// The vocabulary has no tokens.
    case emptyVocabulary
    /// `token_type` has a different length than `tokens`.
    case tokenTypeCountMismatch(tokens: Int, types: Int)
    /// A token type value outside the known range (0...6).
    case invalidTokenType(index: Int, value: Int)
    /// A merge rule that is not two tokens (`index` is its rank).
    case malformedMerge(index: Int, text: String)
    /// A special token id (BOS, EOS, ...) that is not inside the vocabulary.
    case specialTokenOutOfRange(name: String, id: Int, vocabularySize: Int)
    /// A special token named by its text (tokenizer.json) that is not in the vocabulary.
    case unknownSpecialToken(name: String, text: String)
    /// A vocabulary id in tokenizer.json that is negative or leaves holes.
    case invalidTokenID(token: String, id: Int)
    /// The file is not valid JSON, or not the expected shape (`detail` says where).
    case malformedJSON(String)
    /// A chat template name this module does not know.
    case unknownChatTemplate(String)
    /// A chat conversation that cannot be split for training (`detail` says why).
    case invalidConversation(String)

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "tokenizer metadata has no '\(key)'"
        case .wrongType(let key, let expected):
            return "tokenizer metadata '\(key)' is not \(expected)"
        case .unsupportedModel(let name):
            return "tokenizer model '\(name)' is not supported (only byte-level BPE, 'gpt2')"
        case .unsupportedPreTokenizer(let name):
            return "pre-tokenizer '\(name)' is not supported (known: "
                + "gpt2, default, llama3, qwen2, smollm and their aliases)"
        case .emptyVocabulary:
            return "tokenizer vocabulary is empty"
        case .tokenTypeCountMismatch(let tokens, let types):
            return "tokenizer has \(tokens) tokens but \(types) token types"
        case .invalidTokenType(let index, let value):
            return "token \(index) has type \(value), expected 0...6"
        case .malformedMerge(let index, let text):
            return "merge rule \(index) '\(text)' is not two tokens separated by a space"
        case .specialTokenOutOfRange(let name, let id, let size):
            return "\(name) token id \(id) is outside the vocabulary of \(size) tokens"
        case .unknownSpecialToken(let name, let text):
            return "\(name) token '\(text)' is not in the vocabulary"
        case .invalidTokenID(let token, let id):
            return "token '\(token)' has id \(id), which is negative, repeated or leaves a hole in the vocabulary"
        case .malformedJSON(let detail):
            return "tokenizer.json: \(detail)"
        case .unknownChatTemplate(let name):
            return "chat template '\(name)' is unknown (known: chatml, llama3, alpaca, plain)"
        case .invalidConversation(let detail):
            return "conversation cannot be templated: \(detail)"
        }
    }
}
