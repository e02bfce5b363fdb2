import Foundation
import Testing

/// Numbers a manifest can hold that no `Int` can: each is a usage error at its JSON path, found
/// by `pipe validate` before anything runs, never a trap (issue 10, item 2: `Int(amount)` of a
/// split count of 1e19 used to die with SIGILL).
@Suite("numeric params out of range")
struct NumericParamTests {
    /// A data-only manifest whose `augment` stage gets `params`.
    func validate(augment params: String) throws -> PipeProcess.Result {
        let project = try Project()
        defer { project.remove() }
        try project.write("data/x.jsonl", #"{"text": "a"}"# + "\n" + #"{"text": "b"}"# + "\n")
        try project.write("m.json", """
            {"stages": {"records": {"kind": "load", "params": {"dataset": "data/x.jsonl"}},
                        "more": {"kind": "augment", "inputs": {"dataset": "records"}, "params": \(params)}}}
            """)
        return try project.pipe("validate", "m.json")
    }

    @Test("a split count of 1e19 is a usage error at its JSON path", arguments: ["1e19", "9.3e18", "1e308"])
    func hugeSplitCount(_ count: String) throws {
        let result = try validate(augment: #"{"split": {"eval": \#(count)}}"#)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("stages.more.params.split.eval: expected"), "\(result.stderr)")
    }

    @Test("a number beyond Double is invalid JSON at its line and column")
    func numberBeyondDouble() throws {
        let result = try validate(augment: #"{"split": {"eval": 1e400}}"#)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("m.json:2:"), "\(result.stderr)")
        #expect(result.stderr.contains("1e400 is out of range"), "\(result.stderr)")
    }

    @Test("split counts whose sum overflows are usage errors at their JSON paths")
    func overflowingSplitSum() throws {
        let result = try validate(augment: #"{"split": {"eval": 5e18, "test": 5e18}}"#)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("stages.more.params.split.eval: expected"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.more.params.split.test: expected"), "\(result.stderr)")
    }

    @Test("integer params beyond Int are usage errors at their JSON paths",
          arguments: [#"{"copies": 1e19}"#, #"{"seed": 1e19}"#, #"{"seed": -1}"#,
                      #"{"min_length": 9223372036854775808}"#,
                      #"{"max_length": -9223372036854775809}"#, #"{"copies": 2.5}"#])
    func integerOutOfRange(_ params: String) throws {
        let result = try validate(augment: params)
        let key = params.split(separator: "\"")[1]
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("stages.more.params.\(key): expected"), "\(result.stderr)")
    }
}
