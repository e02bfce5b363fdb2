// Dequantizing a whole block-quantized matrix, rows split over two workers
// (training multiplies a layer's weight by hundreds of rows at once, so one
// dequantization per layer and pass is cheap next to the sgemm that follows).
//
// Legend: OUT rows, IN columns.

import Foundation

extension QuantizedMatrix {
    /// Writes the float32 matrix (OUT, IN), `d·q + m` per element, into `out`.
    public func dequantize(into out: UnsafeMutablePointer<Float>, threads: Int = 2) {
        let workers = rows * columns >= 1 << 16 ? max(1, threads) : 1
        let per = (rows + workers - 1) / workers
        let o = UnsafeSendable(out)
        DispatchQueue.concurrentPerform(iterations: workers) { i in
            for r in (i * per)..<min(rows, (i + 1) * per) {
                self.dequantizeRow(r, into: o.value + r * self.columns)
            }
        }
    }
}
