import Datasets
import JSON
import Testing

@Suite("Record shapes")
struct RecordShapeTests {
    @Test("field names decide the detected shape")
    func detection() {
        #expect(RecordShape.detect(fields: ["instruction", "input", "output"]) == .alpaca)
        #expect(RecordShape.detect(fields: ["instruction", "output"]) == .alpaca)
        #expect(RecordShape.detect(fields: ["prompt", "completion"]) == .completion)
        #expect(RecordShape.detect(fields: ["messages"]) == .messages)
        #expect(RecordShape.detect(fields: ["conversations", "id"]) == .messages)
        #expect(RecordShape.detect(fields: ["text"]) == .text)
        #expect(RecordShape.detect(fields: ["clause", "analysis"]) == .records)
        #expect(RecordShape.detect(fields: ["sensor_data", "diagnosis"]) == .records)
    }

    @Test("an alpaca record is put in canonical order with an empty input filled in")
    func alpacaNormalization() throws {
        let record = try #require(Record(json: ["output": "答", "instruction": "问", "extra": 1]))
        let normalized = try RecordShape.alpaca.normalize(record)
        #expect(normalized.jsonLine == #"{"instruction":"问","input":"","output":"答"}"#)
    }

    @Test("a missing field names the field and the fields the record has")
    func missingField() throws {
        let record = try #require(Record(json: ["instruction": "化验单解读", "input": "血钾2.9mmol/L"]))
        #expect(throws: RecordProblem("missing field \"output\" (fields: instruction, input)")) {
            try RecordShape.alpaca.normalize(record)
        }
    }

    @Test("a field of the wrong type is a problem")
    func wrongType() throws {
        let record = try #require(Record(json: ["prompt": "问", "completion": 3]))
        #expect(throws: RecordProblem("field \"completion\" should be a string, got a number")) {
            try RecordShape.completion.normalize(record)
        }
    }

    @Test("ShareGPT conversations become role/content messages")
    func shareGPT() throws {
        let record = try #require(Record(json: ["conversations": [
            ["from": "human", "value": "你好"], ["from": "gpt", "value": "您好"],
        ]]))
        let normalized = try RecordShape.messages.normalize(record)
        #expect(normalized.jsonLine == #"{"messages":[{"role":"user","content":"你好"},{"role":"assistant","content":"您好"}]}"#)
    }

    @Test("extra role names map through the role map; unknown ones are problems")
    func roleMapping() throws {
        let record = try #require(Record(json: ["messages": [["role": "患者", "content": "咳嗽"], ["role": "医生", "content": "多喝水"]]]))
        let normalized = try RecordShape.messages.normalize(record, roles: RoleMap(["患者": .user, "医生": .assistant]))
        #expect(normalized["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["user", "assistant"])
        #expect(throws: RecordProblem.self) { try RecordShape.messages.normalize(record) }
    }

    @Test("records keep every field as it is")
    func recordsUntouched() throws {
        let record = try #require(Record(json: ["clause": "条款", "analysis": ["责任方": "甲方"]]))
        #expect(try RecordShape.records.normalize(record) == record)
    }
}
