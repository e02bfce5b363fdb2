import Foundation
import JSON
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("keeps key order and reports duplicate keys with their object's path")
    func duplicates() throws {
        let parsed = try JSONParser(Data(#"{"stages": {"a": 1, "b": {"x": 1, "x": 2}, "a": 3}}"#.utf8))
        #expect(parsed.value["stages"]?.objectValue?.map(\.key) == ["a", "b", "a"])
        #expect(parsed.duplicates.map { "\($0.path).\($0.key)" } == ["stages.b.x", "stages.a"])
    }

    @Test("syntax errors say line and column", arguments: [
        ("{\n  \"a\": tru\n}", 2, 8),
        ("[1, 2,]", 1, 7),
        ("{\"a\" 1}", 1, 6),
        ("\"\\q\"", 1, 4),
        ("01", 1, 2),
        ("[1] x", 1, 5),
        ("\"tab\there\"", 1, 5),
    ])
    func syntax(text: String, line: Int, column: Int) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            guard let e = error as? JSONParser.SyntaxError else { return false }
            return e.line == line && e.column == column
        }
    }

    @Test("decodes escapes, surrogate pairs and non-ASCII text")
    func strings() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n", "\ud83d\ude00", "咳嗽 → 胸痛", "\u0041"]"#)
        #expect(value == ["a\"b\\c/d\n", "😀", "咳嗽 → 胸痛", "A"])
        #expect(try JSONParser.parse(value.compactText) == value)
    }

    @Test("numbers parse exactly and integers print without a fraction")
    func numbers() throws {
        let value = try JSONParser.parse("[0, -1, 3.25, 1e3, 2E-2, 9007199254740993]")
        #expect(value.compactText == "[0,-1,3.25,1000,0.02,9007199254740992]")
        #expect(value.arrayValue?[3].intValue == 1000)
        #expect(value.arrayValue?[2].intValue == nil)
    }

    @Test("deep nesting is refused rather than overflowing the stack")
    func depth() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.SyntaxError.self) { _ = try JSONParser.parse(text) }
    }
}
