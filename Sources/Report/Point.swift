/// A point of a chart's series, in data units.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

public enum Downsample {
    /// At most `limit` points (limit >= 2): the points are cut into `limit / 2` runs of consecutive
    /// points, and each run keeps its lowest and highest point in their original order, so spikes
    /// survive however long the series. Shorter series come back unchanged.
    public static func minMax(_ points: [Point], limit: Int) -> [Point] {
        guard points.count > limit, limit >= 2 else { return points }
        let buckets = limit / 2
        var out: [Point] = []
        out.reserveCapacity(buckets * 2)
        for bucket in 0..<buckets {
            let start = bucket * points.count / buckets
            let end = (bucket + 1) * points.count / buckets
            guard start < end else { continue }
            var low = start
            var high = start
            for i in start..<end {
                if points[i].y < points[low].y { low = i }
                if points[i].y > points[high].y { high = i }
            }
            if low == high {
                out.append(points[low])
            } else {
                out.append(points[min(low, high)])
                out.append(points[max(low, high)])
            }
        }
        return out
    }

    /// An exponential moving average with TensorBoard's debiasing (the first values are not pulled
    /// toward zero). `weight` in [0, 1): 0 is the raw series.
    public static func smoothed(_ points: [Point], weight: Double) -> [Point] {
        var average = 0.0
        var norm = 0.0
        return points.map { point in
            average = average * weight + point.y * (1 - weight)
            norm = norm * weight + (1 - weight)
            return Point(point.x, norm > 0 ? average / norm : point.y)
        }
    }
}
