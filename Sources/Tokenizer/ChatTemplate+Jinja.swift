/// The template as a Jinja `chat_template` string, for files other tools read (GGUF's
/// `tokenizer.chat_template`, Hugging Face's `tokenizer_config.json`): rendered by Jinja with
/// `messages` and `add_generation_prompt`, it writes exactly what `render` writes, and `detect`
/// reads it back as the same template.
extension ChatTemplate {
    public var jinja: String {
        let loop = "{%- for message in messages %}"
        let end = "{%- endfor %}"
        let generation = "{%- if add_generation_prompt %}{{ \(Self.literal(generationPrompt)) }}{%- endif %}"
        // The system turn a conversation without one gets (none when the prompt is empty), as `render`.
        func defaultSystem(_ text: String) -> String {
            systemPrompt.isEmpty
                ? ""
                : "{%- if messages | length > 0 and messages[0]['role'] "
                    + "!= 'system' %}{{ \(Self.literal(text)) }}{%- endif %}"
        }
        switch kind {
        case .chatml:
            return defaultSystem("<|im_start|>system\n\(systemPrompt)<|im_end|>\n") + loop
                + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
                + end + generation
        case .llama3:
            return defaultSystem("<|start_header_id|>system<|end_header_id|>\n\n\(Self.trim(systemPrompt))<|eot_id|>")
                + loop
                + "{{ '<|start_header_id|>' + message['role'] + "
                + "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
                + end + generation
        case .alpaca:
            return defaultSystem(systemPrompt + "\n\n") + loop
                + "{%- if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
                + "{%- elif message['role'] == 'assistant' %}{{ '### Response:\\n' "
                + "+ message['content'] + \(Self.literal(eosText + "\n\n")) }}"
                + "{%- else %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n' }}{%- endif %}"
                + end + generation
        case .plain:
            return defaultSystem(systemPrompt + "\n\n") + loop
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
