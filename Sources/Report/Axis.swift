import Foundation

/// A linear scale from data units to pixels, with "nice" round tick values.
struct Axis {
    let low: Double
    let high: Double
    let pixelLow: Double
    let pixelHigh: Double

    /// A scale spanning `values` (padded a little, never empty), mapped onto pixels.
    init(covering values: [Double], pixels: (Double, Double), includeZero: Bool = false, pad: Double = 0.05) {
        // Beyond ±1e300 the range itself would overflow; such values sit at the chart's edge.
        let finite = values.filter { $0.isFinite && abs($0) < 1e300 }
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if includeZero { low = min(low, 0) }
        if high - low < 1e-12 {
            let around = abs(high) > 0 ? abs(high) * 0.1 : 1
            low -= around
            high += around
        } else {
            let margin = (high - low) * pad
            if !(includeZero && low == 0) { low -= margin }
            high += margin
        }
        self.init(low: low, high: high, pixels: pixels)
    }

    init(low: Double, high: Double, pixels: (Double, Double)) {
        self.low = low
        self.high = high > low ? high : low + 1
        pixelLow = pixels.0
        pixelHigh = pixels.1
    }

    func pixel(_ value: Double) -> Double {
        let clamped = min(max(value.isFinite ? value : low, low), high)
        return pixelLow + (clamped - low) / (high - low) * (pixelHigh - pixelLow)
    }

    /// Round values inside the range, about `count` of them (1, 2 or 5 times a power of ten apart).
    func ticks(count: Int = 5) -> [Double] {
        let raw = (high - low) / Double(max(1, count))
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? raw
        var value = (low / step).rounded(.up) * step
        var out: [Double] = []
        while value <= high + step * 1e-9 && out.count < 50 {
            out.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return out
    }
}

/// SVG number text: one decimal is plenty at chart sizes, and keeps big charts small.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (min(max(value, -1e9), 1e9) * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}
