// llama.cpp's converter reorders the rows of attn_q / attn_k so that RoPE rotates adjacent pairs
// (x[2i], x[2i+1]); Hugging Face Llama checkpoints rotate halves (x[i], x[i + D/2]).
// Within each head of D = rows / heads rows:
//   Hugging Face row  h*D + j*(D/2) + i   <->   GGUF row  h*D + 2*i + j      (i < D/2, j < 2)
// Rows are moved whole, so the same functions serve floats and quantized bytes (rowLength = bytes per row).
// attn_k uses the KV head count.

/// Hugging Face row order from GGUF row order: undoes llama.cpp's q/k permutation.
/// `values` holds `rows` rows of `rowLength` elements; `heads` divides `rows` into heads of even size.
public func unpermuteLlamaRows<T>(_ values: [T], rowLength: Int, heads: Int) throws -> [T] {
    try reorderLlamaRows(values, rowLength: rowLength, heads: heads, toHuggingFace: true)
}

/// GGUF row order from Hugging Face row order: applies llama.cpp's q/k permutation.
public func permuteLlamaRows<T>(_ values: [T], rowLength: Int, heads: Int) throws -> [T] {
    try reorderLlamaRows(values, rowLength: rowLength, heads: heads, toHuggingFace: false)
}

private func reorderLlamaRows<T>(_ values: [T], rowLength: Int, heads: Int, toHuggingFace: Bool) throws -> [T] {
    guard rowLength > 0, heads > 0, values.count % rowLength == 0 else {
        throw GGUFError.sizeMismatch(what: "q/k permutation: element count (a multiple of the row length \(rowLength))",
                                     expected: rowLength, actual: values.count)
    }
    let rows = values.count / rowLength
    guard rows % heads == 0, (rows / heads) % 2 == 0 else {
        throw GGUFError.sizeMismatch(what: "q/k permutation: rows per head (\(rows) rows, \(heads) heads) must be even",
                                     expected: heads, actual: rows)
    }
    let headDim = rows / heads
    let half = headDim / 2
    var out = values
    values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for h in 0 ..< heads {
                for i in 0 ..< half {
                    for j in 0 ..< 2 {
                        let hf = h * headDim + j * half + i
                        let gguf = h * headDim + 2 * i + j
                        let (from, to) = toHuggingFace ? (gguf, hf) : (hf, gguf)
                        for c in 0 ..< rowLength { dst[to * rowLength + c] = src[from * rowLength + c] }
                    }
                }
            }
        }
    }
    return out
}
