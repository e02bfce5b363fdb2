import Datasets
import JSON
import Testing

@Suite("Records as conversations")
struct ConversationTests {
    @Test("alpaca joins instruction and a non-empty input with a newline")
    func alpacaWithInput() throws {
        let record = try #require(Record(json: ["instruction": "诊断建议生成", "input": "持续咳嗽伴血痰", "output": "胸部CT"]))
        let conversation = try record.asConversation(shape: .alpaca)
        #expect(conversation == Conversation(turns: [Turn(.user, "诊断建议生成\n持续咳嗽伴血痰"), Turn(.assistant, "胸部CT")]))
    }

    @Test("alpaca with an empty input is the instruction alone, and a system field is the system prompt")
    func alpacaWithoutInput() throws {
        let record = try #require(Record(json: ["instruction": "妊娠期高血压的首选治疗方案", "input": "", "output": "拉贝洛尔", "system": "你是医生"]))
        let conversation = try record.asConversation(shape: .alpaca)
        #expect(conversation.system == "你是医生")
        #expect(conversation.turns == [Turn(.user, "妊娠期高血压的首选治疗方案"), Turn(.assistant, "拉贝洛尔")])
    }

    @Test("completion is prompt then completion")
    func completion() throws {
        let record = try #require(Record(json: ["prompt": "问", "completion": "答"]))
        #expect(try record.asConversation(shape: .completion).turns == [Turn(.user, "问"), Turn(.assistant, "答")])
    }

    @Test("leading system messages become the system prompt")
    func messages() throws {
        let record = try #require(Record(json: ["messages": [
            ["role": "system", "content": "你是医生"], ["role": "user", "content": "问"], ["role": "assistant", "content": "答"],
        ]]))
        let conversation = try record.asConversation(shape: .messages)
        #expect(conversation == Conversation(system: "你是医生", turns: [Turn(.user, "问"), Turn(.assistant, "答")]))
    }

    @Test("text is a training text, and records need a template first")
    func textAndRecords() throws {
        let text = try #require(Record(json: ["text": "计算ROIC"]))
        #expect(try text.exampleText(shape: .text) == .text("计算ROIC"))
        let clause = try #require(Record(json: ["clause": "条款"]))
        #expect(throws: RecordProblem.self) { try clause.asConversation(shape: .records) }
    }

    @Test("nested values render as key: value lines and arrays as lines")
    func rendering() {
        let value: JSONValue = ["责任方": "甲方", "时间限制": "15个工作日", "方式": ["协商", "仲裁"], "比例": 2, "后果": ["解除": "单方"]]
        #expect(renderedText(value) == "责任方: 甲方\n时间限制: 15个工作日\n方式:\n  协商\n  仲裁\n比例: 2\n后果:\n  解除: 单方")
    }

    @Test("text length counts a conversation's contents in characters")
    func textLength() throws {
        let record = try #require(Record(json: ["instruction": "问题", "input": "咳嗽", "output": "答"]))
        #expect(record.textLength(shape: .alpaca) == 6) // "问题\n咳嗽" + "答"
    }
}
