// Generates pipelines/data/machine_logs_large.csv: 400 condition-monitoring readings of rotating
// equipment (temperature, vibration, pressure, current, speed) with the technician's diagnosis,
// in the spirit of the seed guide's `machine_logs` ("温度:238°C, 振动:5.2mm/s, 电流:18A" ->
// "轴承磨损建议立即更换"). Each machine type has its own rated values; each fault moves the
// readings it really moves (worn bearings: hot and shaking; unbalance: shaking but cool; overload:
// high current; leaks: pressure down; poor lubrication: hot only; belt slip: speed and current
// down), and the diagnosis names the fault first, then one of several actions.
// Deterministic: the same script always writes the same bytes.
//
//     swift scripts/generate-industrial-data.swift > pipelines/data/machine_logs_large.csv
import Foundation

/// SplitMix64, so the output never depends on the platform's random source.
struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    /// A factor in `range`, to three decimals.
    mutating func factor(_ range: ClosedRange<Double>) -> Double {
        Double(int(Int((range.lowerBound * 1000).rounded())...Int((range.upperBound * 1000).rounded()))) / 1000
    }
}

/// A kind of machine and its rated readings.
struct Machine {
    let name: String
    let tags: [String]
    let temperature: Double   // °C, bearing housing in normal running
    let pressure: Double      // MPa, outlet or system pressure
    let pressureDigits: Int
    let current: Double       // A, rated
    let speed: Double         // rpm, rated
    let belted: Bool          // driven through a belt (else coupled directly)
    let hydraulic: Bool       // an oil hydraulic system (else water or air lines)
}

let machines = [
    Machine(name: "离心泵", tags: ["P-101", "P-102", "P-205", "P-306"], temperature: 55, pressure: 0.8, pressureDigits: 2, current: 45, speed: 2950, belted: false, hydraulic: false),
    Machine(name: "螺杆空压机", tags: ["AC-01", "AC-02", "AC-03"], temperature: 70, pressure: 0.75, pressureDigits: 2, current: 82, speed: 1480, belted: true, hydraulic: false),
    Machine(name: "液压站", tags: ["HPU-1", "HPU-2", "HPU-4"], temperature: 50, pressure: 16, pressureDigits: 1, current: 30, speed: 1470, belted: false, hydraulic: true),
    Machine(name: "注塑机液压系统", tags: ["IM-07", "IM-12", "IM-15"], temperature: 48, pressure: 14, pressureDigits: 1, current: 38, speed: 1460, belted: false, hydraulic: true),
    Machine(name: "引风机", tags: ["F-201", "F-202", "F-301"], temperature: 60, pressure: 0.006, pressureDigits: 4, current: 110, speed: 985, belted: true, hydraulic: false),
]

/// A fault: how it moves each reading (factors on the rated value; vibration in mm/s), and the
/// technician's words for it.
struct Fault {
    let name: (Machine) -> String
    let temperature: ClosedRange<Double>
    let vibration: ClosedRange<Double>
    let pressure: ClosedRange<Double>
    let current: ClosedRange<Double>
    let speed: ClosedRange<Double>
    let applies: (Machine) -> Bool
    let actions: [String]
}

let faults = [
    Fault(name: { _ in "运行正常" }, temperature: 0.9...1.15, vibration: 0.8...2.8, pressure: 0.95...1.05, current: 0.75...0.95, speed: 0.99...1.0,
          applies: { _ in true }, actions: ["按计划保养", "各项参数在正常范围内,继续监测", "无需处理,按周期巡检"]),
    Fault(name: { _ in "轴承磨损" }, temperature: 1.45...2.1, vibration: 5.0...9.5, pressure: 0.95...1.03, current: 0.85...1.02, speed: 0.985...1.0,
          applies: { _ in true }, actions: ["建议立即停机更换轴承", "建议更换轴承并检查润滑脂", "安排检修更换轴承,复测振动频谱"]),
    Fault(name: { _ in "转子不平衡" }, temperature: 0.95...1.2, vibration: 7.0...13.5, pressure: 0.96...1.03, current: 0.8...0.98, speed: 0.99...1.0,
          applies: { !$0.hydraulic }, actions: ["需做动平衡校正", "检查叶轮积垢与磨损后做现场动平衡", "停机清理叶轮并校正动平衡"]),
    Fault(name: { _ in "电机过载" }, temperature: 1.1...1.35, vibration: 1.5...3.5, pressure: 0.98...1.08, current: 1.18...1.45, speed: 0.97...0.99,
          applies: { _ in true }, actions: ["检查负载及散热风扇", "降低负荷运行,检查电机绕组温升", "核对工况负荷,检查电源电压是否偏低"]),
    Fault(name: { $0.hydraulic ? "液压系统泄漏" : "管路泄漏" }, temperature: 0.95...1.15, vibration: 1.2...3.0, pressure: 0.45...0.78, current: 0.7...0.88, speed: 0.99...1.0,
          applies: { _ in true }, actions: ["需检查密封件", "排查管路接头及阀门密封", "停机保压检漏,更换失效密封"]),
    Fault(name: { _ in "润滑不良" }, temperature: 1.35...1.8, vibration: 2.0...4.0, pressure: 0.96...1.04, current: 0.85...1.0, speed: 0.99...1.0,
          applies: { _ in true }, actions: ["补充或更换润滑油脂", "检查油位与油质,清洗润滑油路", "按规定牌号更换润滑油并缩短加注周期"]),
    Fault(name: { _ in "皮带打滑" }, temperature: 0.95...1.15, vibration: 2.5...4.5, pressure: 0.8...0.92, current: 0.6...0.78, speed: 0.82...0.93,
          applies: { $0.belted }, actions: ["调整皮带张紧度", "更换磨损皮带并重新张紧", "检查皮带轮对中及皮带张力"]),
]

/// Rounded to `digits` decimals, as text.
func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

func csvField(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

var rng = Generator(state: 3_2025)
var rows: [String] = ["time,equipment,temperature_c,vibration_mm_s,pressure_mpa,current_a,speed_rpm,diagnosis"]
var seen = Set<String>()
var minute = 0
var index = 0
while rows.count <= 400 {
    let fault = faults[index % faults.count]
    index += 1
    let candidates = machines.filter(fault.applies)
    let machine = rng.pick(candidates)
    let reading = [
        fixed(machine.temperature * rng.factor(fault.temperature), 0),
        fixed(rng.factor(fault.vibration), 1),
        fixed(machine.pressure * rng.factor(fault.pressure), machine.pressureDigits),
        fixed(machine.current * rng.factor(fault.current), 0),
        fixed(machine.speed * rng.factor(fault.speed), 0),
    ]
    let key = machine.name + reading.joined(separator: ",")
    guard seen.insert(key).inserted else { continue }
    minute += rng.int(37...419)
    let day = 1 + minute / 1440, hour = minute % 1440 / 60, min = minute % 60
    let time = String(format: "2024-%02d-%02d %02d:%02d", 3 + (day - 1) / 28, 1 + (day - 1) % 28, hour, min)
    let equipment = "\(rng.pick(machine.tags)) \(machine.name)"
    let diagnosis = "\(fault.name(machine)),\(rng.pick(fault.actions))"
    rows.append(([time, equipment] + reading + [diagnosis]).map(csvField).joined(separator: ","))
}

FileHandle.standardOutput.write(Data((rows.joined(separator: "\n") + "\n").utf8))
FileHandle.standardError.write(Data("\(rows.count - 1) records\n".utf8))
