/// The template as a Jinja `chat_template` string, for files other tools read (GGUF's
/// `tokenizer.chat_template`, Hugging Face's `tokenizer_config.json`): rendered by Jinja with
/// `messages` and `add_generation_prompt`, it writes exactly what `render` writes, and `detect`
/// reads it back as the same template.
extension ChatTemplate {
    public var jinja: String {
        let loop = "{%- for message in messages %}"
        let end = "{%- endfor %}"
        let generation = "{%- if add_generation_prompt %}{{ \(Self.literal(generationPrompt)) }}{%- endif %}"
        let noSystem = "{%- if messages | length > 0 and messages[0]['role'] != 'system' %}"
        switch kind {
        case .chatml:
            let system = defaultSystemPrompt.map { noSystem + "{{ \(Self.literal("<|im_start|>system\n\($0)<|im_end|>\n")) }}{%- endif %}" } ?? ""
            return system + loop
                + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
                + end + generation
        case .llama3:
            return loop
                + "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
                + end + generation
        case .alpaca:
            return noSystem + "{{ \(Self.literal((defaultSystemPrompt ?? Self.alpacaPreamble) + "\n\n")) }}{%- endif %}" + loop
                + "{%- if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
                + "{%- elif message['role'] == 'assistant' %}{{ '### Response:\\n' + message['content'] + \(Self.literal(eosText + "\n\n")) }}"
                + "{%- else %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n' }}{%- endif %}"
                + end + generation
        case .plain:
            let system = defaultSystemPrompt.map { noSystem + "{{ \(Self.literal($0 + "\n\n")) }}{%- endif %}" } ?? ""
            return system + loop
                + "{%- if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
                + "{%- elif message['role'] == 'assistant' %}{{ message['content'] + \(Self.literal(eosText + "\n")) }}"
                + "{%- else %}{{ message['content'] + '\\n' }}{%- endif %}"
                + end + generation
        }
    }

    /// A Jinja string literal: single-quoted, with backslashes, quotes and newlines escaped.
    static func literal(_ text: String) -> String {
        var out = "'"
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "'"
    }
}
