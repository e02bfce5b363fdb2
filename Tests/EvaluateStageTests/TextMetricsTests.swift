import EvaluateStage
import Testing

@Suite("Text metrics")
struct TextMetricsTests {
    @Test("Chinese is compared by character, other text by lowercase word")
    func units() {
        #expect(TextMetrics.units("建议:1.胸部CT平扫") == ["建", "议", "1", "胸", "部", "ct", "平", "扫"])
        #expect(TextMetrics.units("The cat, the HAT!") == ["the", "cat", "the", "hat"])
    }

    @Test("ROUGE-L is the F1 of the longest common subsequence")
    func rougeL() {
        #expect(abs(TextMetrics.rougeL("the cat sat", "the cat sat on the mat") - 2.0 / 3.0) < 1e-12)
        #expect(abs(TextMetrics.rougeL("胸部CT", "胸部CT平扫") - 0.75) < 1e-12)
        #expect(TextMetrics.rougeL("完全不同", "毫无关系") == 0)
        #expect(TextMetrics.rougeL("same words", "same words") == 1)
    }

    @Test("BLEU-4 is 1 for an identical answer, penalises brevity, and is 0 with no shared word")
    func bleu() {
        let reference = "初步怀疑肺癌,建议胸部CT平扫和支气管镜检查"
        #expect(abs(TextMetrics.bleu4(reference, reference) - 1) < 1e-12)
        let short = TextMetrics.bleu4("初步怀疑肺癌", reference)
        #expect(short > 0 && short < 0.5)
        #expect(TextMetrics.bleu4("完全不同", "毫无关系") == 0)
        // Hand-computed: 4 of 6 words, brevity exp(1 - 6/4) with smoothed 2-4-gram precisions.
        let value = TextMetrics.bleu4("a b c d", "a b c d e f")
        let expected = exp(1 - 6.0 / 4.0) * exp((log(1.0) + log(4.0 / 4.0) + log(3.0 / 3.0) + log(2.0 / 2.0)) / 4)
        #expect(abs(value - expected) < 1e-12)
    }

    @Test("the class a text names is the one that starts first, the longer on a tie, nil when none")
    func namedClass() {
        let classes = ["泄漏", "液压系统泄漏", "轴承磨损", "运行正常"]
        #expect(TextMetrics.namedClass("轴承磨损,建议立即更换;排除液压系统泄漏", classes: classes) == "轴承磨损")
        #expect(TextMetrics.namedClass("液压系统泄漏,需检查密封件", classes: classes) == "液压系统泄漏")
        #expect(TextMetrics.namedClass("疑似管路泄漏", classes: classes) == "泄漏")
        #expect(TextMetrics.namedClass("建议复查", classes: classes) == nil)
    }

    @Test("exact match ignores surrounding whitespace only")
    func exact() {
        #expect(TextMetrics.exactMatch(" 建议复查 \n", "建议复查") == 1)
        #expect(TextMetrics.exactMatch("建议复查。", "建议复查") == 0)
    }
}

import Foundation
