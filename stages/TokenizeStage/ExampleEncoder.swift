import Datasets
import Tokenizer

/// Turns one record into token ids and labels: the chat template renders the conversation, the
/// prompt part is masked (label -100) unless `trainOnAll`, each assistant answer and its
/// end-of-turn token are trained on. Every assistant turn of a multi-turn record is trained.
/// A record without a system prompt gets the template's default one (if any).
struct ExampleEncoder {
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let maxLength: Int
    let trainOnAll: Bool
    let dropTooLong: Bool

    enum Outcome {
        case kept(TokenizedDataset.Example, truncated: Bool)
        /// Too long to keep, or nothing left to train on.
        case dropped
    }

    func encode(_ example: ExampleText) throws -> Outcome {
        var tokens: [Int32] = []
        var labels: [Int32] = []
        if tokenizer.vocabulary.addBOS, let bos = tokenizer.specialTokens.bos {
            tokens.append(bos)
            labels.append(trainOnAll ? bos : TokenizedDataset.ignoredLabel)
        }
        switch example {
        case let .text(text):
            let ids =
                tokenizer.encode(text, parseSpecial: false, addSpecial: false)
                + (tokenizer.specialTokens.eos.map { [$0] } ?? [])
            tokens += ids
            labels += ids
        case let .conversation(conversation):
            var messages: [ChatMessage] = []
            if let system = conversation.system { messages.append(ChatMessage(role: "system", content: system)) }
            var consumed = ""
            for turn in conversation.turns {
                if turn.role == .assistant {
                    let prompt = template.render(messages, addGenerationPrompt: true)
                    let parts = try template.trainingParts(
                        messages + [ChatMessage(role: "assistant", content: turn.content)])
                    // Each assistant turn continues the text so far; the new prompt part is masked.
                    let delta = prompt.hasPrefix(consumed) ? String(prompt.dropFirst(consumed.count)) : prompt
                    append(delta, trained: trainOnAll, to: &tokens, &labels)
                    append(parts.completion + parts.endOfTurn, trained: true, to: &tokens, &labels)
                    consumed = prompt + parts.completion + parts.endOfTurn
                }
                messages.append(ChatMessage(role: turn.role.rawValue, content: turn.content))
            }
        }
        var truncated = false
        if tokens.count > maxLength {
            if dropTooLong { return .dropped }
            tokens.removeLast(tokens.count - maxLength)
            labels.removeLast(labels.count - maxLength)
            truncated = true
        }
        // The label at position 0 never counts (nothing predicts it), so one trained label past it is needed.
        guard labels.dropFirst().contains(where: { $0 != TokenizedDataset.ignoredLabel }) else { return .dropped }
        return .kept(TokenizedDataset.Example(tokens: tokens, labels: labels), truncated: truncated)
    }

    private func append(_ text: String, trained: Bool, to tokens: inout [Int32], _ labels: inout [Int32]) {
        let ids = tokenizer.encode(text, parseSpecial: true, addSpecial: false)
        tokens += ids
        labels += trained ? ids : [Int32](repeating: TokenizedDataset.ignoredLabel, count: ids.count)
    }
}
