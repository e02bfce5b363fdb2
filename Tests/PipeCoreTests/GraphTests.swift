import PipeCore
import Testing

@Suite("Graph algorithms")
struct GraphTests {
    //   a -> b -> d
    //    \-> c -/
    //   e (alone)
    let diamond = Graph(nodes: ["a", "b", "c", "d", "e"], dependencies: ["b": ["a"], "c": ["a"], "d": ["b", "c"]])

    @Test("topological order respects edges and prefers earlier-declared nodes among ready ones")
    func order() {
        #expect(diamond.topologicalOrder() == ["a", "b", "c", "d", "e"])
    }

    @Test("declaration order breaks ties even when dependents are declared first")
    func orderDeclaredBackwards() {
        // d -> c -> b -> a declared in reverse.
        let chain = Graph(nodes: ["d", "c", "b", "a"], dependencies: ["d": ["c"], "c": ["b"], "b": ["a"]])
        #expect(chain.topologicalOrder() == ["a", "b", "c", "d"])
    }

    @Test("a cycle has no order and is named node by node")
    func cycle() {
        //   x -> y -> z -> x, w -> x
        let cyclic = Graph(nodes: ["w", "x", "y", "z"], dependencies: ["x": ["z", "w"], "y": ["x"], "z": ["y"]])
        #expect(cyclic.topologicalOrder() == nil)
        let found = cyclic.findCycle()
        #expect(found?.first == found?.last)
        #expect(Set(found ?? []) == ["x", "y", "z"])
        #expect(diamond.findCycle() == nil)
    }

    @Test("ancestors and descendants give the --until and --from subgraphs")
    func subgraphs() {
        #expect(diamond.ancestors(of: "d") == ["a", "b", "c", "d"])
        #expect(diamond.ancestors(of: "b") == ["a", "b"])
        #expect(diamond.descendants(of: "b") == ["b", "d"])
        #expect(diamond.descendants(of: "a", including: false) == ["b", "c", "d"])
        #expect(diamond.descendants(of: "e") == ["e"])
    }
}
