/// Encoding: special-token partition, pre-tokenization and the merge loop.
extension BPETokenizer {
    public func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.special.bos { out.append(bos) }
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { all in
            var symbols = MergeScratch()
            for fragment in partition(all, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    out.append(id)
                case .text(let range):
                    let fragmentBytes = UnsafeBufferPointer(rebasing: all[range])
                    for word in vocabulary.preTokenizer.split(fragmentBytes) {
                        encodeWord(UnsafeBufferPointer(rebasing: fragmentBytes[word]),
                                   &symbols, &out)
                    }
                }
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.special.eos { out.append(eos) }
        return out
    }

    enum Fragment {
        case token(Int32)
        case text(Range<Int>)
    }

    /// Cuts text at special tokens the way llama.cpp does: longest token first, each
    /// taking its leftmost non-overlapping occurrences that lie wholly in text not yet
    /// taken by a longer token.
    func partition(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = bytes.count
        if n == 0 { return [] }
        // Every occurrence of every candidate, by candidate.
        var occurrences: [Int: [Int]] = [:]
        for pos in 0..<n {
            let list = candidatesByFirstByte[Int(bytes[pos])]
            if list.isEmpty { continue }
            for c in list {
                let candidate = specialCandidates[c]
                guard parseSpecial || candidate.always else { continue }
                let m = candidate.bytes.count
                guard pos + m <= n else { continue }
                var equal = true
                for k in 1..<m where bytes[pos + k] != candidate.bytes[k] {
                    equal = false
                    break
                }
                if equal { occurrences[c, default: []].append(pos) }
            }
        }
        if occurrences.isEmpty { return [.text(0..<n)] }

        // Accepted (start, end, id); `taken` marks the bytes they cover.
        var accepted: [(start: Int, end: Int, id: Int32)] = []
        var taken = [Bool](repeating: false, count: n)
        for c in occurrences.keys.sorted() {  // candidates are sorted longest first
            let candidate = specialCandidates[c]
            let m = candidate.bytes.count
            var lastEnd = 0
            for start in occurrences[c] ?? [] where start >= lastEnd {
                let end = start + m
                if taken[start..<end].contains(true) { continue }  // crosses a longer token
                for k in start..<end { taken[k] = true }
                accepted.append((start, end, candidate.id))
                lastEnd = end
            }
        }
        accepted.sort { $0.start < $1.start }
        var fragments: [Fragment] = []
        var cursor = 0
        for t in accepted {
            if t.start > cursor { fragments.append(.text(cursor..<t.start)) }
            fragments.append(.token(t.id))
            cursor = t.end
        }
        if cursor < n { fragments.append(.text(cursor..<n)) }
        return fragments
    }

    /// Appends the tokens of one pre-tokenized word.
    func encodeWord(_ word: UnsafeBufferPointer<UInt8>, _ s: inout MergeScratch,
                    _ out: inout [Int32]) {
        let n = word.count
        if n == 0 { return }
        if n == 1 {
            emit(byteSymbol[Int(word[0])], word, 0..<1, &out)
            return
        }
        if vocabulary.ignoreMerges, let id = wholeWords[Array(word)], Int(id) < vocabularySize {
            out.append(id)
            return
        }
        s.reset(n)
        for i in 0..<n { s.id[i] = byteSymbol[Int(word[i])] }
        for i in 0..<(n - 1) { pushPair(i, i + 1, &s) }
        while let entry = s.heap.popMin() {
            let left = Int(entry.key & 0xFFFF_FFFF)
            let right = Int(s.next[left])
            guard right >= 0, s.id[left] == entry.left, s.id[right] == entry.right else {
                continue  // stale: one side merged since this pair was queued
            }
            s.id[left] = entry.merged
            s.id[right] = -1
            let after = s.next[right]
            s.next[left] = after
            if after >= 0 { s.prev[Int(after)] = Int32(left) }
            let before = Int(s.prev[left])
            if before >= 0 { pushPair(before, left, &s) }
            if after >= 0 { pushPair(left, Int(after), &s) }
        }
        var i = 0
        while i >= 0 && i < n {
            let end = s.next[i] >= 0 ? Int(s.next[i]) : n
            emit(s.id[i], word, i..<end, &out)
            i = Int(s.next[i])
        }
    }

    @inline(__always)
    private func pushPair(_ left: Int, _ right: Int, _ s: inout MergeScratch) {
        let l = s.id[left], r = s.id[right]
        let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
        guard let found = mergeTable[key] else { return }
        let rank = found >> 32
        s.heap.push(MergeEntry(key: rank << 32 | UInt64(left), left: l, right: r,
                               merged: Int32(truncatingIfNeeded: found & 0xFFFF_FFFF)))
    }

    /// A final symbol: its token; a symbol that is no token (a byte missing from the
    /// vocabulary, or a merge result that is not a token) falls back as llama.cpp does:
    /// one token per byte of its stored text, so only bytes whose stand-in character is a
    /// single UTF-8 byte ('!'...'~') survive and the rest are dropped. (Hugging Face
    /// instead drops unknown characters before merging; vocabularies of real models never
    /// get here, except for bytes they lack, like SmolLM2's control characters.)
    @inline(__always)
    private func emit(_ id: Int32, _ word: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                      _ out: inout [Int32]) {
        if Int(id) < vocabularySize {
            out.append(id)
            return
        }
        for k in range where word[k] >= 0x21 && word[k] <= 0x7E {
            let b = byteSymbol[Int(word[k])]
            if Int(b) < vocabularySize { out.append(b) }
        }
    }
}

/// A queued pair: `key` is `rank << 32 | left position`, so the heap pops the best rank,
/// leftmost first; `left`/`right` are the symbol ids it was queued for.
struct MergeEntry {
    var key: UInt64
    var left: Int32
    var right: Int32
    var merged: Int32
}

/// Reusable buffers for the merge loop of one word (a doubly linked list of symbols).
struct MergeScratch {
    var id: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var heap = MinHeap()

    mutating func reset(_ n: Int) {
        id.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.items.removeAll(keepingCapacity: true)
        id.append(contentsOf: repeatElement(0, count: n))
        for i in 0..<n {
            prev.append(Int32(i - 1))
            next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
    }
}

/// Binary min-heap of merge entries by key.
struct MinHeap {
    var items: [MergeEntry] = []

    mutating func push(_ entry: MergeEntry) {
        items.append(entry)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].key <= items[i].key { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func popMin() -> MergeEntry? {
        guard let last = items.popLast() else { return nil }
        if items.isEmpty { return last }
        let top = items[0]
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < n && items[l].key < items[smallest].key { smallest = l }
            if r < n && items[r].key < items[smallest].key { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
