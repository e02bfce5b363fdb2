import Foundation
import LoadStage
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    static func records(_ text: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> [(line: Int, fields: [String])] {
        var reader = CSVReader(Data(text.utf8), delimiter: delimiter)
        var out: [(line: Int, fields: [String])] = []
        while let record = try reader.nextRecord() { out.append(record) }
        return out
    }

    @Test("quoted fields keep commas, doubled quotes and newlines; records start at their own line")
    func quoting() throws {
        let rows = try Self.records("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,\"\"\n")
        #expect(rows.map(\.fields) == [["a", "b"], ["x, y", "say \"hi\""], ["two\nlines", "z"], ["last", ""]])
        #expect(rows.map(\.line) == [1, 2, 3, 5])
    }

    @Test("CRLF endings, a BOM, empty lines and a missing final newline are all fine")
    func endings() throws {
        let rows = try Self.records("\u{FEFF}prompt,completion\r\n\r\n问,\"答\r\n续\"\r\n空,\r\nend,x")
        #expect(rows.map(\.fields) == [["prompt", "completion"], ["问", "答\r\n续"], ["空", ""], ["end", "x"]])
        #expect(rows.map(\.line) == [1, 3, 5, 6])
    }

    @Test("tabs separate fields in TSV")
    func tabs() throws {
        #expect(try Self.records("a\tb\n1,2\t3\n", delimiter: 0x09).map(\.fields) == [["a", "b"], ["1,2", "3"]])
    }

    @Test("an unclosed quote is an error at the line where it opened")
    func unclosed() throws {
        #expect(throws: CSVReader.Failure(line: 3, message: "a quoted field opened here is never closed")) {
            try Self.records("a,b\n1,2\n3,\"open\nstill open\n")
        }
    }

    @Test("a quote inside an unquoted field and text after a closing quote are errors at their line")
    func strayQuotes() throws {
        #expect(throws: CSVReader.Failure.self) { try Self.records("a,b\n1,x\"y\n") }
        do {
            _ = try Self.records("a,b\n1,2\n\"x\"y,3\n")
            Issue.record("expected a failure")
        } catch let error as CSVReader.Failure {
            #expect(error.line == 3)
        }
    }
}
