// Learning-rate schedules with warmup, as transformers defines them
// (get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
// get_cosine_schedule_with_warmup with half a cycle). `step` counts the
// optimizer steps already taken (0 for the first update).

import Foundation

/// The shape of the learning rate over training.
public enum LRScheduleKind: String, Codable, Sendable, CaseIterable {
    case constant, linear, cosine
}

/// A learning-rate schedule over `totalSteps` optimizer steps.
public struct LRSchedule: Codable, Sendable, Equatable {
    public var kind: LRScheduleKind
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    /// `warmupRatio` (of the total, rounded up as transformers does) is used when `warmupSteps` is 0.
    public init(kind: LRScheduleKind, peak: Float, totalSteps: Int, warmupSteps: Int = 0, warmupRatio: Double = 0) {
        self.kind = kind
        self.peak = peak
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps > 0 ? warmupSteps : Int((Double(totalSteps) * warmupRatio).rounded(.up))
    }

    /// The learning rate of the update after `step` updates.
    public func rate(step: Int) -> Float {
        if step < warmupSteps { return peak * Float(Double(step) / Double(max(1, warmupSteps))) }
        let rest = Double(max(1, totalSteps - warmupSteps))
        let progress = Double(step - warmupSteps) / rest
        switch kind {
        case .constant: return peak
        case .linear: return peak * Float(max(0, Double(totalSteps - step) / rest))
        case .cosine: return peak * Float(max(0, 0.5 * (1 + cos(Double.pi * progress))))
        }
    }
}
