import Foundation
import JSON
import PipeCore
import Testing

/// Manifests of thousands of stages. Validation was cubic in the stage count (2,000 stages took
/// 28 s); these check results only, never times.
@Suite("Large manifests")
struct LargeManifestTests {
    func load(_ stages: [(id: String, json: String)]) throws -> Pipeline {
        let body = stages.map { "\"\($0.id)\": \($0.json)" }.joined(separator: ",\n")
        let text = "{\"stages\": {\n\(body)\n}}"
        return try ManifestLoader(registry: testRegistry).load(Data(text.utf8), url: URL(fileURLWithPath: "/tmp/large/m.json"))
    }

    @Test("10,000 stages that share one input validate, in declaration order")
    func sharedInput() throws {
        var stages = [(id: "source", json: #"{"kind": "emit"}"#)]
        for i in 1..<10_000 { stages.append(("s\(i)", #"{"kind": "join", "inputs": {"left": "source"}}"#)) }
        let pipeline = try load(stages)
        #expect(pipeline.stages.count == 10_000)
        #expect(pipeline.order == stages.map(\.id))
        #expect(pipeline.graph.dependents(of: "source").count == 9_999)
        #expect(pipeline.graph.descendants(of: "source").count == 10_000)
        #expect(pipeline.stage("s9999")?.inputs == ["left": "source"])
    }

    @Test("a 10,000-stage chain declared backwards validates and orders from its root")
    func longChain() throws {
        // s9999 <- s9998 <- ... <- s0, declared from the end of the chain.
        var stages: [(id: String, json: String)] = []
        for i in stride(from: 9_999, to: 0, by: -1) { stages.append(("s\(i)", #"{"kind": "join", "inputs": {"left": "s\#(i - 1)"}}"#)) }
        stages.append(("s0", #"{"kind": "emit"}"#))
        let pipeline = try load(stages)
        #expect(pipeline.order == (0..<10_000).map { "s\($0)" })
        #expect(pipeline.graph.ancestors(of: "s9999").count == 10_000)
    }

    @Test("a cycle closing a 10,000-stage chain is found and named")
    func longCycle() throws {
        var stages: [(id: String, json: String)] = []
        for i in 0..<10_000 { stages.append(("s\(i)", #"{"kind": "join", "inputs": {"left": "s\#((i + 9_999) % 10_000)"}}"#)) }
        #expect {
            try load(stages)
        } throws: { error in
            guard let error = error as? ManifestError else { return false }
            return error.issues.contains { $0.message.hasSuffix("form a cycle") && $0.message.contains("\"s5000\"") }
        }
    }
}
