/// Directed graphs over any hashable node, kept apart from the domain. Edges point from a node
/// to the nodes that depend on it. Orders are deterministic: ties keep the given node order.
public struct Graph<Node: Hashable>: Sendable where Node: Sendable {
    public let nodes: [Node]
    /// node -> the nodes it depends on (its inputs).
    public let dependencies: [Node: [Node]]

    public init(nodes: [Node], dependencies: [Node: [Node]]) {
        self.nodes = nodes
        self.dependencies = dependencies
    }

    public func dependents(of node: Node) -> [Node] {
        nodes.filter { dependencies[$0, default: []].contains(node) }
    }

    /// Kahn's algorithm; nil if there is a cycle.
    public func topologicalOrder() -> [Node]? {
        var remaining = Dictionary(uniqueKeysWithValues: nodes.map { ($0, Set(dependencies[$0, default: []]).count) })
        var order: [Node] = []
        var ready = nodes.filter { remaining[$0] == 0 }
        var readySet = Set(ready)
        while !ready.isEmpty {
            let node = ready.removeFirst()
            order.append(node)
            for dependent in dependents(of: node) {
                remaining[dependent, default: 0] -= 1
                if remaining[dependent] == 0 && readySet.insert(dependent).inserted {
                    // Keep declaration order among nodes that became ready.
                    let position = ready.firstIndex { nodes.firstIndex(of: $0)! > nodes.firstIndex(of: dependent)! } ?? ready.endIndex
                    ready.insert(dependent, at: position)
                }
            }
        }
        return order.count == nodes.count ? order : nil
    }

    /// One cycle, as the nodes along it (first node repeated at the end), or nil if acyclic.
    public func findCycle() -> [Node]? {
        var marks: [Node: Bool] = [:]  // false: on the current path, true: finished
        var stack: [Node] = []
        func visit(_ node: Node) -> [Node]? {
            if marks[node] == true { return nil }
            if marks[node] == false {
                let start = stack.firstIndex(of: node)!
                return Array(stack[start...]) + [node]
            }
            marks[node] = false
            stack.append(node)
            for dependency in dependencies[node, default: []] where nodes.contains(dependency) {
                if let cycle = visit(dependency) { return cycle }
            }
            stack.removeLast()
            marks[node] = true
            return nil
        }
        for node in nodes {
            if let cycle = visit(node) { return cycle.reversed() }
        }
        return nil
    }

    /// The node and everything it depends on, transitively.
    public func ancestors(of node: Node, including: Bool = true) -> Set<Node> {
        var seen: Set<Node> = including ? [node] : []
        var frontier = dependencies[node, default: []]
        while let next = frontier.popLast() {
            if seen.insert(next).inserted { frontier += dependencies[next, default: []] }
        }
        return seen
    }

    /// The node and everything that depends on it, transitively.
    public func descendants(of node: Node, including: Bool = true) -> Set<Node> {
        var seen: Set<Node> = including ? [node] : []
        var frontier = dependents(of: node)
        while let next = frontier.popLast() {
            if seen.insert(next).inserted { frontier += dependents(of: next) }
        }
        return seen
    }
}
