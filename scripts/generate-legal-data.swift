// Generates pipelines/data/contracts_large.json: 360 Chinese contract clauses, each with the
// nested structured analysis of the seed guide's `contract_clauses` ({"clause": ..., "analysis":
// {"责任方": ..., "时间限制": ..., ...}}): payment, performance compensation, confidentiality,
// late-payment interest, non-compete, force majeure, dispute resolution, termination, delivery
// and acceptance, warranty, intellectual property, guarantees, pre-emption, buy-back, leases,
// deposits, liability caps and representations — 18 kinds of clause, several wordings each,
// with the parties, periods and amounts drawn at random and the analysis read off the same
// values. Deterministic: the same script always writes the same bytes.
//
//     swift scripts/generate-legal-data.swift > pipelines/data/contracts_large.json
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
}

/// A clause and its analysis, the keys in the order they are written.
struct Clause {
    let text: String
    let analysis: [(String, String)]
}

var rng = Generator(state: 1_2025)

/// Two distinct contracting parties of one contract type.
let pairs = [("甲方", "乙方"), ("买方", "卖方"), ("采购方", "供应商"), ("委托方", "受托方"), ("发包人", "承包人"), ("受让方", "转让方")]
let workDays = [5, 7, 10, 15, 20, 30]
/// When a payment falls due: the clause's wording, and the condition the analysis names.
let paymentTriggers = [("交割日", "交割日完成"), ("合同签订之日", "合同签订"), ("验收合格之日", "验收合格"), ("收到合格发票之日", "收到合格发票"),
                       ("货物交付之日", "货物交付完成"), ("工程竣工结算完成之日", "竣工结算完成")]
let paymentThings = ["对价", "首期款", "合同总价款的30%", "剩余款项", "进度款", "尾款"]

func payment() -> Clause {
    let (payer, payee) = rng.pick(pairs), days = rng.pick(workDays), (trigger, condition) = rng.pick(paymentTriggers), thing = rng.pick(paymentThings)
    let text = rng.pick([
        "\(payer)应在\(trigger)后\(days)个工作日内向\(payee)支付\(thing)",
        "自\(trigger)起\(days)个工作日内,\(payer)须将\(thing)支付至\(payee)指定账户",
        "\(payer)应于\(trigger)后的\(days)个工作日内一次性付清\(thing)",
    ])
    return Clause(text: text, analysis: [("责任方", payer), ("义务类型", "付款义务"), ("时间限制", "\(days)个工作日"), ("触发条件", condition)])
}

func compensation() -> Clause {
    let party = rng.pick(["乙方", "业绩承诺方", "原股东", "转让方"]), ratio = rng.pick([100, 120, 150, 200, 300])
    let kind = rng.pick(["现金补偿", "股份补偿"]), year = rng.pick(["2024", "2025", "2026"])
    let text = rng.pick([
        "若\(party)未能达到业绩承诺,需按差额的\(ratio)%进行\(kind)",
        "\(year)年度目标公司实际净利润低于承诺净利润的,\(party)应按差额的\(ratio)%向投资方进行\(kind)",
        "如承诺期内累计净利润未达承诺数,\(party)须以差额的\(ratio)%为限进行\(kind)",
    ])
    return Clause(text: text, analysis: [("责任方", party), ("惩罚条款", kind), ("计算基准", "业绩差额"), ("赔偿比例", "\(ratio)%")])
}

func confidentiality() -> Clause {
    let amount = rng.pick([10, 20, 30, 50, 100, 200]), years = rng.pick([2, 3, 5])
    if rng.int(0...2) == 0 {
        let text = "本协议项下的保密义务在协议终止后\(years)年内持续有效,违反者应向守约方支付违约金人民币\(amount)万元"
        return Clause(text: text, analysis: [("责任方", "违约方"), ("义务类型", "保密义务"), ("持续期限", "协议终止后\(years)年"), ("违约金", "人民币\(amount)万元")])
    }
    let text = rng.pick([
        "任何一方违反保密义务的,应向守约方支付违约金人民币\(amount)万元",
        "一方泄露对方商业秘密的,应支付违约金人民币\(amount)万元,违约金不足以弥补损失的应继续赔偿",
    ])
    return Clause(text: text, analysis: [("责任方", "违约方"), ("义务类型", "保密义务"), ("违约金", "人民币\(amount)万元")])
}

func latePayment() -> Clause {
    let (payer, payee) = rng.pick(pairs), rate = rng.pick(["万分之三", "万分之五", "千分之一", "万分之二"])
    let cap = rng.pick([5, 10, 20])
    let text = rng.pick([
        "\(payer)逾期付款的,每逾期一日按应付未付金额的\(rate)向\(payee)支付违约金",
        "\(payer)未按期付款的,应按逾期金额每日\(rate)支付违约金,累计不超过合同总价的\(cap)%",
    ])
    var analysis = [("责任方", payer), ("违约情形", "逾期付款"), ("计算基准", text.contains("逾期金额") ? "逾期金额" : "应付未付金额"), ("违约金比例", "每日\(rate)")]
    if text.contains("累计不超过") { analysis.append(("违约金上限", "合同总价的\(cap)%")) }
    return Clause(text: text, analysis: analysis)
}

func nonCompete() -> Clause {
    let months = rng.pick([6, 12, 18, 24]), share = rng.pick([30, 40, 50])
    let period = months % 12 == 0 ? "\(months / 12)年" : "\(months)个月"
    let text = rng.pick([
        "乙方离职后\(period)内不得在与甲方有竞争关系的单位任职,甲方按月支付离职前十二个月平均工资\(share)%的经济补偿",
        "劳动者在解除劳动合同后\(period)内不得自营或为他人经营同类业务,用人单位按月支付其离职前平均工资的\(share)%作为竞业限制补偿",
    ])
    return Clause(text: text, analysis: [("义务主体", text.hasPrefix("乙方") ? "乙方" : "劳动者"), ("义务类型", "竞业限制"), ("限制期限", period), ("补偿标准", "离职前平均工资的\(share)%")])
}

func forceMajeure() -> Clause {
    let events = rng.pick(["地震、台风、洪水", "战争、罢工、政府行为", "疫情、自然灾害", "火灾、洪水、政府管制"]), days = rng.pick([3, 5, 7, 10, 15])
    let text = rng.pick([
        "因\(events)等不可抗力导致无法履行合同的,受影响方应在\(days)日内书面通知对方,并在影响范围内免除责任",
        "一方因\(events)等不可抗力不能履约的,应于事件发生后\(days)日内提供有关机构出具的证明,可部分或全部免除责任",
    ])
    return Clause(text: text, analysis: [("条款类型", "不可抗力"), ("通知期限", "\(days)日"), ("法律后果", text.contains("部分或全部") ? "部分或全部免除责任" : "在影响范围内免除责任")])
}

func disputes() -> Clause {
    if rng.int(0...1) == 0 {
        let body = rng.pick(["中国国际经济贸易仲裁委员会", "上海国际仲裁中心", "深圳国际仲裁院", "北京仲裁委员会"])
        let text = "因本合同引起的或与本合同有关的任何争议,双方应友好协商;协商不成的,提交\(body)按其届时有效的仲裁规则仲裁,仲裁裁决是终局的"
        return Clause(text: text, analysis: [("条款类型", "争议解决"), ("解决方式", "仲裁"), ("管辖机构", body), ("裁决效力", "终局")])
    }
    let court = rng.pick(["甲方", "乙方", "原告", "合同签订地"]), days = rng.pick([15, 30])
    let place = court == "合同签订地" ? "合同签订地" : "\(court)所在地"
    let text = "双方因履行本合同发生争议的,应在\(days)日内协商解决;协商不成的,任何一方均可向\(place)有管辖权的人民法院提起诉讼"
    return Clause(text: text, analysis: [("条款类型", "争议解决"), ("协商期限", "\(days)日"), ("解决方式", "诉讼"), ("管辖法院", "\(place)人民法院")])
}

func termination() -> Clause {
    let (holder, breacher) = rng.pick(pairs), days = rng.pick([15, 30, 60, 90])
    let duty = rng.pick(["付款义务", "交付义务", "供货义务", "主要合同义务"])
    let text = rng.pick([
        "\(breacher)连续\(days)日未履行\(duty)的,\(holder)有权单方解除本合同",
        "\(breacher)迟延履行\(duty)超过\(days)日,经催告后仍未履行的,\(holder)有权书面通知解除合同并要求赔偿损失",
    ])
    var analysis = [("解除权人", holder), ("违约方", breacher), ("触发条件", "\(days)日未履行\(duty)")]
    if text.contains("催告") { analysis.append(("前置程序", "催告")) }
    return Clause(text: text, analysis: analysis)
}

func delivery() -> Clause {
    let seller = rng.pick(["卖方", "供应商", "乙方"]), buyer = seller == "乙方" ? "甲方" : seller == "卖方" ? "买方" : "采购方"
    let deliver = rng.pick([10, 15, 30, 45]), inspect = rng.pick([3, 5, 7, 10])
    let place = rng.pick(["买方指定仓库", "项目现场", "采购方工厂"])
    let text = "\(seller)应在合同生效后\(deliver)日内将货物交付至\(place),\(buyer)应在收货后\(inspect)日内完成验收,逾期未提出书面异议的视为验收合格"
    return Clause(text: text, analysis: [("责任方", seller), ("交付期限", "合同生效后\(deliver)日"), ("验收期限", "收货后\(inspect)日"), ("默示条款", "逾期未异议视为合格")])
}

func warranty() -> Clause {
    let months = rng.pick([12, 18, 24, 36]), party = rng.pick(["乙方", "卖方", "供应商", "承包人"]), hours = rng.pick([24, 48, 72])
    let text = rng.pick([
        "质保期为验收合格之日起\(months)个月,质保期内因产品质量问题造成的损失由\(party)承担",
        "自验收合格之日起\(months)个月为质量保证期,期间出现质量缺陷的,\(party)应在\(hours)小时内响应并免费维修或更换",
    ])
    var analysis = [("责任方", party), ("质保期限", "\(months)个月"), ("起算点", "验收合格之日")]
    if text.contains("小时内响应") { analysis.append(("响应时限", "\(hours)小时")) }
    return Clause(text: text, analysis: analysis)
}

func property() -> Clause {
    let (owner, maker) = rng.pick([("甲方", "乙方"), ("委托方", "受托方"), ("发包人", "承包人")])
    let what = rng.pick(["软件著作权、专利申请权等全部知识产权", "技术成果及其知识产权", "设计图纸、源代码及相关知识产权"])
    let text = rng.pick([
        "\(maker)在履行本合同过程中产生的\(what)归\(owner)所有",
        "本合同项下委托开发完成的\(what)由\(owner)享有,\(maker)不得擅自使用或向第三方许可",
    ])
    var analysis = [("条款类型", "知识产权归属"), ("权利人", owner), ("权利范围", what)]
    if text.contains("不得擅自") { analysis.append(("限制义务", "\(maker)不得擅自使用或许可")) }
    return Clause(text: text, analysis: analysis)
}

func guarantee() -> Clause {
    let guarantor = rng.pick(["丙方", "保证人", "控股股东", "实际控制人"]), debtor = rng.pick(["借款人", "乙方", "债务人"])
    let years = rng.pick([2, 3]), kind = rng.pick(["连带责任保证", "一般保证"])
    let text = "\(guarantor)对\(debtor)在本合同项下的全部债务承担\(kind),保证期间为主债务履行期限届满之日起\(years)年"
    return Clause(text: text, analysis: [("保证人", guarantor), ("被保证人", debtor), ("保证方式", kind), ("保证期间", "主债务履行期届满起\(years)年")])
}

func preemption() -> Clause {
    let days = rng.pick([15, 20, 30])
    let text = rng.pick([
        "任一股东拟对外转让股权的,其他股东在同等条件下享有优先购买权,应在收到书面通知后\(days)日内行使",
        "股东向股东以外的人转让股权,应书面通知其他股东征求同意;其他股东自接到通知之日起\(days)日内未答复的,视为放弃优先购买权",
    ])
    if text.contains("视为放弃") {
        return Clause(text: text, analysis: [("权利人", "其他股东"), ("权利类型", "优先购买权"), ("答复期限", "\(days)日"), ("默示条款", "逾期未答复视为放弃")])
    }
    return Clause(text: text, analysis: [("权利人", "其他股东"), ("权利类型", "优先购买权"), ("行使期限", "\(days)日"), ("前提条件", "同等条件")])
}

func buyBack() -> Clause {
    let year = rng.pick([2026, 2027, 2028]), rate = rng.pick([6, 8, 10, 12]), obligor = rng.pick(["创始股东", "实际控制人", "目标公司"])
    let trigger = rng.pick(["完成合格首次公开发行", "实现合格上市", "被上市公司整体收购"])
    let text = "若目标公司未能在\(year)年12月31日前\(trigger),投资方有权要求\(obligor)按投资本金加年化\(rate)%的利息回购其持有的全部股权"
    return Clause(text: text, analysis: [("权利人", "投资方"), ("义务人", obligor), ("触发条件", "\(year)年底前未\(trigger)"), ("回购价格", "投资本金加年化\(rate)%利息")])
}

func lease() -> Clause {
    let day = rng.pick([5, 10, 15]), late = rng.pick([15, 30, 60]), cycle = rng.pick(["每月", "每季度首月", "每半年首月"])
    let text = "承租方应于\(cycle)\(day)日前支付租金,逾期超过\(late)日的,出租方有权解除合同并不予退还押金"
    let period = cycle == "每月" ? "按月" : cycle == "每季度首月" ? "按季度" : "按半年"
    return Clause(text: text, analysis: [("责任方", "承租方"), ("付款周期", period), ("解除条件", "逾期超过\(late)日"), ("违约后果", "不退还押金")])
}

func deposit() -> Clause {
    let days = rng.pick([3, 5, 7]), share = rng.pick([5, 10, 15, 20])
    let text = "买方应于本合同签订之日起\(days)日内支付合同总价\(share)%的定金;买方违约的无权要求返还定金,卖方违约的应双倍返还定金"
    return Clause(text: text, analysis: [("责任方", "买方"), ("定金比例", "合同总价的\(share)%"), ("支付期限", "签订后\(days)日"), ("定金罚则", "买方违约不返还,卖方违约双倍返还")])
}

func liabilityCap() -> Clause {
    let party = rng.pick(["乙方", "供应商", "受托方", "服务商"]), share = rng.pick([20, 30, 50, 100])
    let text = rng.pick([
        "\(party)在本合同项下的累计赔偿责任总额不超过合同总价的\(share)%,但因故意或重大过失造成的损失除外",
        "除故意或重大过失外,\(party)对间接损失不承担责任,直接损失的赔偿以合同总价的\(share)%为限",
    ])
    var analysis = [("条款类型", "责任限制"), ("责任方", party), ("赔偿上限", "合同总价的\(share)%"), ("除外情形", "故意或重大过失")]
    if text.contains("间接损失") { analysis.insert(("免责范围", "间接损失"), at: 2) }
    return Clause(text: text, analysis: analysis)
}

func representation() -> Clause {
    let defect = rng.pick(["质押、冻结等权利瑕疵", "任何未披露的债务或担保", "未决诉讼或行政处罚"])
    let text = rng.pick([
        "转让方保证标的股权不存在\(defect),如有违反应赔偿受让方由此遭受的全部损失",
        "转让方陈述并保证目标公司不存在\(defect);因交割日前事由产生的损失由转让方全额承担",
    ])
    return Clause(text: text, analysis: [("保证人", "转让方"), ("保证内容", "不存在\(defect)"), ("违约后果", text.contains("全部损失") ? "赔偿受让方全部损失" : "全额承担交割前事由的损失")])
}

let kinds: [() -> Clause] = [payment, compensation, confidentiality, latePayment, nonCompete, forceMajeure, disputes, termination,
                             delivery, warranty, property, guarantee, preemption, buyBack, lease, deposit, liabilityCap, representation]

func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

var records: [String] = []
var seen = Set<String>()
var attempts = 0
while records.count < 360 && attempts < 100_000 {
    let clause = kinds[attempts % kinds.count]()
    attempts += 1
    guard seen.insert(clause.text).inserted else { continue }
    let analysis = clause.analysis.map { "\(quoted($0.0)): \(quoted($0.1))" }.joined(separator: ", ")
    records.append("  {\"clause\": \(quoted(clause.text)), \"analysis\": {\(analysis)}}")
}

FileHandle.standardOutput.write(Data(("[\n" + records.joined(separator: ",\n") + "\n]\n").utf8))
FileHandle.standardError.write(Data("\(records.count) records\n".utf8))
