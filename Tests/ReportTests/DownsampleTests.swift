import Foundation
import Report
import Testing

/// A seeded series with spikes: a noisy decaying loss, as a long training run logs it.
func noisyLoss(steps: Int, seed: UInt64 = 7) -> [Point] {
    var state = seed
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    return (1...steps).map { step in
        var loss = 3 * exp(-Double(step) / Double(steps) * 3) + 0.5 + next() * 0.2
        if step % 997 == 0 { loss += 5 }  // spikes the chart must not lose
        return Point(Double(step), loss)
    }
}

@Suite("Downsampling a series for a chart")
struct DownsampleTests {
    @Test("a 10,000-point series comes down to at most the limit, in step order, with every extreme kept")
    func boundsAndKeepsExtremes() {
        let points = noisyLoss(steps: 10_000)
        let drawn = Downsample.minMax(points, limit: 400)
        #expect(drawn.count <= 400 && drawn.count >= 200)
        #expect(zip(drawn, drawn.dropFirst()).allSatisfy { $0.x < $1.x })
        let lowest = points.min { $0.y < $1.y }
        let highest = points.max { $0.y < $1.y }
        #expect(drawn.contains(lowest!) && drawn.contains(highest!))
        for spike in points where Int(spike.x) % 997 == 0 {
            #expect(drawn.contains(spike), "lost the spike at \(spike.x)")
        }
    }

    @Test("each run of consecutive points keeps its own lowest and highest point")
    func perBucketExtremes() {
        let points = noisyLoss(steps: 1_000, seed: 3)
        let drawn = Downsample.minMax(points, limit: 100)
        for bucket in 0..<50 {
            let run = points[(bucket * 1000 / 50)..<((bucket + 1) * 1000 / 50)]
            #expect(drawn.contains(run.min { $0.y < $1.y }!) && drawn.contains(run.max { $0.y < $1.y }!))
        }
    }

    @Test("a series within the limit is drawn as it is")
    func shortSeriesUnchanged() {
        let points = noisyLoss(steps: 50)
        #expect(Downsample.minMax(points, limit: 400) == points)
    }

    @Test("smoothing starts at the first value and leaves a constant series constant")
    func smoothing() {
        let constant = (1...20).map { Point(Double($0), 2.5) }
        #expect(Downsample.smoothed(constant, weight: 0.8).allSatisfy { abs($0.y - 2.5) < 1e-12 })
        let points = noisyLoss(steps: 30)
        let smooth = Downsample.smoothed(points, weight: 0.8)
        #expect(smooth.first == points.first && smooth.count == points.count)
        #expect(Downsample.smoothed(points, weight: 0) == points)
    }
}
