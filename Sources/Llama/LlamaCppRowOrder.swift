// llama.cpp's converter reorders the rows of `attn_q` / `attn_k` (and their biases) of Llama and
// Mistral models so that its RoPE can rotate adjacent pairs (x[2i], x[2i+1]). This module rotates
// halves (x[i], x[i + HS/2]) like Hugging Face, so GGUF rows are put back on loading (and would be
// permuted again on writing). Within head h of HS rows:
//
//     Hugging Face row  h*HS + s*HS/2 + i   <->   GGUF row  h*HS + 2*i + s      (i < HS/2, s < 2)
//
// Rows move whole, so the same map serves float32 weights and quantized blocks.

/// The row map between Hugging Face's and llama.cpp's order of a q or k projection:
/// `heads` heads of `headSize` rows each (attn_k counts the KV heads).
public struct LlamaCppRowOrder: Sendable, Equatable {
    public let heads: Int
    /// HS, even.
    public let headSize: Int

    public init(heads: Int, headSize: Int) {
        precondition(heads > 0 && headSize > 0 && headSize % 2 == 0, "q/k rows come in heads of an even size")
        self.heads = heads
        self.headSize = headSize
    }

    /// The order of `tensor`'s rows in `config`'s GGUF files, nil where they are Hugging Face's.
    public init?(_ tensor: LlamaTensor, config: LlamaConfig) {
        guard config.modelType.permutesQueryKeyRows else { return nil }
        switch tensor {
        case .wq, .bq: self.init(heads: config.headCount, headSize: config.headDim)
        case .wk, .bk: self.init(heads: config.kvHeadCount, headSize: config.headDim)
        default: return nil
        }
    }

    /// heads · HS.
    public var rows: Int { heads * headSize }

    /// The GGUF row that holds Hugging Face row `r`.
    public func ggufRow(_ r: Int) -> Int {
        let head = r - r % headSize, within = r % headSize, half = headSize / 2
        return head + 2 * (within % half) + within / half
    }

    /// The Hugging Face row that GGUF row `g` holds (the inverse of `ggufRow`).
    public func huggingFaceRow(_ g: Int) -> Int {
        let head = g - g % headSize, within = g % headSize, half = headSize / 2
        return head + (within % 2) * half + within / 2
    }

    /// Puts rows read from a GGUF file in Hugging Face order, in place.
    ///
    ///     w (rows, rowLength)
    public func toHuggingFace<T>(_ w: UnsafeMutablePointer<T>, rowLength: Int) {
        reorder(w, rowLength: rowLength, source: ggufRow)
    }

    /// Puts rows in Hugging Face order in the order a GGUF file stores them, in place.
    ///
    ///     w (rows, rowLength)
    public func toGGUF<T>(_ w: UnsafeMutablePointer<T>, rowLength: Int) {
        reorder(w, rowLength: rowLength, source: huggingFaceRow)
    }

    /// Row r becomes what row `source(r)` was. Rows stay within their head, so one head is copied aside at a time.
    private func reorder<T>(_ w: UnsafeMutablePointer<T>, rowLength: Int, source: (Int) -> Int) {
        let count = headSize * rowLength
        let saved = UnsafeMutablePointer<T>.allocate(capacity: count)
        defer { saved.deallocate() }
        for h in 0..<heads {
            let first = h * headSize
            let head = w + first * rowLength
            saved.moveInitialize(from: head, count: count)
            for r in 0..<headSize {
                (head + r * rowLength).initialize(
                    from: saved + (source(first + r) - first) * rowLength, count: rowLength)
            }
            saved.deinitialize(count: count)
        }
    }
}
