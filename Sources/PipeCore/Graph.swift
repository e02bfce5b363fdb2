/// Directed graphs over any hashable node, kept apart from the domain. Edges point from a node
/// to the nodes that depend on it. Orders are deterministic: ties keep the given node order.
///
/// Every operation is linear or n log n in nodes plus edges (manifests with 10,000 stages that
/// share one input are validated in well under a second), and none recurses, so a long chain
/// cannot overflow the stack.
public struct Graph<Node: Hashable>: Sendable where Node: Sendable {
    public let nodes: [Node]
    /// node -> the nodes it depends on (its inputs).
    public let dependencies: [Node: [Node]]
    /// node -> its position in `nodes`.
    private let position: [Node: Int]
    /// node -> the nodes that depend on it, each once, in `nodes` order.
    private let dependentsIndex: [Node: [Node]]

    public init(nodes: [Node], dependencies: [Node: [Node]]) {
        self.nodes = nodes
        self.dependencies = dependencies
        var position: [Node: Int] = [:]
        for (index, node) in nodes.enumerated() where position[node] == nil { position[node] = index }
        self.position = position
        var dependents: [Node: [Node]] = [:]
        for node in nodes {
            var seen = Set<Node>()
            for dependency in dependencies[node, default: []] where seen.insert(dependency).inserted {
                dependents[dependency, default: []].append(node)
            }
        }
        self.dependentsIndex = dependents
    }

    public func dependents(of node: Node) -> [Node] {
        dependentsIndex[node, default: []]
    }

    /// Kahn's algorithm, always taking the earliest-declared ready node; nil if there is a cycle.
    public func topologicalOrder() -> [Node]? {
        var remaining: [Node: Int] = [:]
        for node in nodes { remaining[node] = Set(dependencies[node, default: []]).count }
        var ready = MinHeap<Int>()
        for (index, node) in nodes.enumerated() where remaining[node] == 0 && position[node] == index {
            ready.push(index)
        }
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let index = ready.pop() {
            let node = nodes[index]
            order.append(node)
            for dependent in dependents(of: node) {
                remaining[dependent, default: 0] -= 1
                if remaining[dependent] == 0, let at = position[dependent] { ready.push(at) }
            }
        }
        return order.count == nodes.count ? order : nil
    }

    /// One cycle, as the nodes along it (first node repeated at the end), or nil if acyclic.
    public func findCycle() -> [Node]? {
        var marks: [Node: Bool] = [:]  // false: on the current path, true: finished
        // The current path, each node with the index of the next dependency to follow.
        var path: [(node: Node, next: Int)] = []
        for start in nodes where marks[start] == nil {
            marks[start] = false
            path.append((start, 0))
            while let top = path.last {
                let inputs = dependencies[top.node, default: []]
                guard top.next < inputs.count else {
                    marks[top.node] = true
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let dependency = inputs[top.next]
                guard position[dependency] != nil else { continue }
                switch marks[dependency] {
                case true?:
                    continue
                case false?:
                    let from = path.lastIndex { $0.node == dependency }!
                    return (path[from...].map(\.node) + [dependency]).reversed()
                case nil:
                    marks[dependency] = false
                    path.append((dependency, 0))
                }
            }
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

/// A binary min-heap: push and pop in log n.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
