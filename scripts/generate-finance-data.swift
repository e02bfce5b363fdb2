// Generates pipelines/data/finance.jsonl: 400 Chinese finance passages as raw text records
// ({"text": ...}), in the seed guide's style for continued training ("现金流量表分析:...",
// "计算ROIC:(净利润 + 税后利息) / (总资产 - 流动负债)"): cash-flow analysis, ROIC, ROE and the
// DuPont identity, liquidity and leverage ratios, working-capital cycles, margins, free cash
// flow, WACC and DCF, valuation multiples, and reading the three statements for red flags.
// Every figure is computed from the others, so each worked example is arithmetically true.
// Deterministic: the same script always writes the same bytes.
//
//     swift scripts/generate-finance-data.swift > pipelines/data/finance.jsonl
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
    /// A value in `range` with one decimal.
    mutating func tenth(_ range: ClosedRange<Double>) -> Double {
        Double(int(Int((range.lowerBound * 10).rounded())...Int((range.upperBound * 10).rounded()))) / 10
    }
    /// A value in `range` with two decimals (ratios and rates).
    mutating func hundredth(_ range: ClosedRange<Double>) -> Double {
        Double(int(Int((range.lowerBound * 100).rounded())...Int((range.upperBound * 100).rounded()))) / 100
    }
}

/// One decimal, two decimals, a percentage with two decimals.
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f2(_ x: Double) -> String { String(format: "%.2f", x) }
func pct(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }

let industries = ["制造企业", "消费品公司", "医药企业", "软件公司", "零售连锁企业", "化工企业", "物流公司", "新能源企业",
                  "食品饮料公司", "建筑施工企业", "家电企业", "半导体设计公司", "汽车零部件企业", "连锁餐饮企业"]
let years = ["2021年", "2022年", "2023年", "2024年"]
let units = ["亿元", "百万元"]

var rng = Generator(state: 8_2024)

func company() -> String { "某\(rng.pick(industries))" }

/// 现金流量表分析: the three activities, the net-cash-to-profit ratio and free cash flow.
func cashFlow() -> String {
    let who = company(), year = rng.pick(years), unit = rng.pick(units)
    let profit = rng.tenth(2...30)
    let operating = (profit * rng.hundredth(0.3...1.8)).rounded(toPlaces: 1)
    let capex = rng.tenth(1...25)
    let investing = -(capex + rng.tenth(0...6))
    let financing = rng.tenth(-12...15)
    let ratio = operating / profit
    let fcf = operating - capex
    var text = "现金流量表分析:\(who)\(year)经营活动现金流量净额\(f1(operating))\(unit),净利润\(f1(profit))\(unit),净现比为\(f2(ratio))。"
    text += ratio >= 1 ? "净现比大于1,利润有真实的现金流入支撑,盈利质量较好。" : ratio >= 0.7 ? "净现比略低于1,需关注应收账款和存货是否占用了经营现金。" : "净现比明显低于1,利润大量停留在应收账款或存货中,盈利质量存疑。"
    text += "投资活动现金流量净额\(f1(investing))\(unit),其中购建固定资产等资本性支出\(f1(capex))\(unit);"
    text += "筹资活动现金流量净额\(f1(financing))\(unit),"
    text += financing >= 0 ? "主要来自新增借款或股权融资。" : "主要用于偿还债务和分配股利。"
    text += "自由现金流=经营活动现金流量净额-资本性支出=\(f1(operating))-\(f1(capex))=\(f1(fcf))\(unit),"
    text += fcf >= 0 ? "企业能够以自身经营现金覆盖投资需求。" : "投资依赖外部融资,需结合在建项目回报评估扩张节奏与偿债压力。"
    return text
}

/// 计算ROIC: the seed's formula with a worked example and a comparison to WACC.
func roic() -> String {
    let who = company(), unit = rng.pick(units)
    let profit = rng.tenth(3...40), interest = rng.tenth(0.5...8)
    let tax = rng.pick([0.15, 0.25])
    let afterTax = interest * (1 - tax)
    let assets = (profit * rng.tenth(5...20)).rounded(toPlaces: 1), current = (assets * rng.hundredth(0.15...0.45)).rounded(toPlaces: 1)
    let invested = assets - current
    let value = (profit + afterTax) / invested
    let wacc = rng.tenth(6...10) / 100
    var text = "计算ROIC:(净利润 + 税后利息) / (总资产 - 流动负债)。\(who)净利润\(f1(profit))\(unit),利息费用\(f1(interest))\(unit),"
    text += "所得税税率\(Int(tax * 100))%,税后利息=\(f1(interest))×(1-\(Int(tax * 100))%)=\(f2(afterTax))\(unit);"
    text += "总资产\(f1(assets))\(unit),流动负债\(f1(current))\(unit),投入资本=\(f1(assets))-\(f1(current))=\(f1(invested))\(unit)。"
    text += "ROIC=(\(f1(profit))+\(f2(afterTax)))/\(f1(invested))=\(pct(value))。"
    text += value > wacc ? "高于\(pct(wacc))的加权平均资本成本,说明每一元投入资本都在创造价值。" : "低于\(pct(wacc))的加权平均资本成本,规模扩张反而在侵蚀股东价值。"
    return text
}

/// ROE and the DuPont identity.
func dupont() -> String {
    let who = company(), unit = rng.pick(units)
    let revenue = rng.tenth(50...600)
    let margin = rng.tenth(2...20) / 100
    let turnover = rng.hundredth(0.4...1.6)
    let multiplier = rng.hundredth(1.2...3.5)
    let profit = revenue * margin, assets = revenue / turnover, equity = assets / multiplier
    let roe = margin * turnover * multiplier
    if roe > 0.4 { return dupont() }  // beyond what listed companies sustain
    let driver = multiplier > 2.8 ? "高杠杆,财务风险需重点关注" : margin > 0.15 ? "高净利率,体现较强的定价能力" : turnover > 1.5 ? "高周转,属于薄利多销的模式" : "三个因素较为均衡"
    return "杜邦分析:ROE=净利率×总资产周转率×权益乘数。\(who)营业收入\(f1(revenue))\(unit),净利润\(f1(profit))\(unit),平均总资产\(f1(assets))\(unit),平均净资产\(f1(equity))\(unit)。"
        + "净利率=\(pct(margin)),总资产周转率=\(f2(turnover))次,权益乘数=\(f2(multiplier)),ROE=\(pct(margin))×\(f2(turnover))×\(f2(multiplier))=\(pct(roe))。"
        + "拆解来看,该公司的ROE主要来自\(driver)。"
}

/// Liquidity and leverage: current, quick and debt ratios, interest cover.
func solvency() -> String {
    let who = company(), unit = rng.pick(units)
    let currentAssets = rng.tenth(20...200), inventory = (currentAssets * rng.hundredth(0.1...0.5)).rounded(toPlaces: 1)
    let currentLiabilities = (currentAssets / rng.hundredth(0.7...2.6)).rounded(toPlaces: 1)
    let assets = (currentAssets * rng.hundredth(1.5...3.5)).rounded(toPlaces: 1)
    let liabilities = (assets * rng.hundredth(0.25...0.85)).rounded(toPlaces: 1)
    let ebit = rng.tenth(2...30), interest = rng.tenth(0.3...6)
    let current = currentAssets / currentLiabilities, quick = (currentAssets - inventory) / currentLiabilities
    let debt = liabilities / assets, cover = ebit / interest
    var text = "偿债能力分析:\(who)流动资产\(f1(currentAssets))\(unit),其中存货\(f1(inventory))\(unit),流动负债\(f1(currentLiabilities))\(unit);"
    text += "总资产\(f1(assets))\(unit),总负债\(f1(liabilities))\(unit);息税前利润\(f1(ebit))\(unit),利息费用\(f1(interest))\(unit)。"
    text += "流动比率=\(f2(current)),速动比率=(流动资产-存货)/流动负债=\(f2(quick)),资产负债率=\(pct(debt)),利息保障倍数=EBIT/利息费用=\(f2(cover))倍。"
    text += current < 1 ? "流动比率低于1,短期偿债压力较大。" : quick < 1 ? "速动比率低于1,短期偿债对存货变现依赖较高。" : "短期偿债能力较为充足。"
    text += debt > 0.7 ? "资产负债率超过70%,杠杆偏高。" : "资产负债率处于可控区间。"
    text += cover < 3 ? "利息保障倍数不足3倍,盈利对利息的覆盖偏弱。" : "利息保障倍数充足。"
    return text
}

/// Working capital: receivable, inventory and payable days, the cash conversion cycle.
func workingCapital() -> String {
    let who = company(), unit = rng.pick(units)
    let revenue = rng.tenth(30...500), cost = (revenue * rng.hundredth(0.55...0.85)).rounded(toPlaces: 1)
    let receivables = (revenue * rng.hundredth(0.05...0.4)).rounded(toPlaces: 1)
    let inventory = (cost * rng.hundredth(0.05...0.35)).rounded(toPlaces: 1)
    let payables = (cost * rng.hundredth(0.08...0.3)).rounded(toPlaces: 1)
    let dso = receivables / revenue * 365, dio = inventory / cost * 365, dpo = payables / cost * 365
    let ccc = dso + dio - dpo
    var text = "营运资本分析:\(who)营业收入\(f1(revenue))\(unit),营业成本\(f1(cost))\(unit),平均应收账款\(f1(receivables))\(unit),平均存货\(f1(inventory))\(unit),平均应付账款\(f1(payables))\(unit)。"
    text += "应收账款周转天数=应收账款/营业收入×365=\(f1(dso))天,存货周转天数=存货/营业成本×365=\(f1(dio))天,应付账款周转天数=\(f1(dpo))天,"
    text += "现金转换周期=\(f1(dso))+\(f1(dio))-\(f1(dpo))=\(f1(ccc))天。"
    text += ccc < 0 ? "现金转换周期为负,企业占用上下游资金经营,对现金流有利。" : ccc > 90 ? "现金转换周期较长,营运资金占用大,收入增长会持续消耗现金。" : "现金转换周期处于行业常见水平。"
    return text
}

/// Margins from an income statement.
func margins() -> String {
    let who = company(), year = rng.pick(years), unit = rng.pick(units)
    let revenue = rng.tenth(20...400)
    let cost = (revenue * rng.hundredth(0.4...0.85)).rounded(toPlaces: 1)
    let selling = (revenue * rng.hundredth(0.02...0.15)).rounded(toPlaces: 1), admin = (revenue * rng.hundredth(0.02...0.08)).rounded(toPlaces: 1)
    let research = (revenue * rng.hundredth(0...0.12)).rounded(toPlaces: 1)
    let operating = revenue - cost - selling - admin - research
    let net = operating > 0 ? operating * 0.75 : operating
    var text = "利润表阅读:\(who)\(year)营业收入\(f1(revenue))\(unit),营业成本\(f1(cost))\(unit),毛利率=(营业收入-营业成本)/营业收入=\(pct((revenue - cost) / revenue))。"
    text += "销售费用\(f1(selling))\(unit)、管理费用\(f1(admin))\(unit)、研发费用\(f1(research))\(unit),期间费用率\(pct((selling + admin + research) / revenue)),"
    text += "营业利润约\(f1(operating))\(unit),按25%税率估算(亏损不计税)净利润约\(f1(net))\(unit),净利率\(pct(net / revenue))。"
    text += operating < 0 ? "费用吞噬了全部毛利,需审视费用投放的效率。" : (revenue - cost) / revenue > 0.45 ? "高毛利说明产品具有差异化优势,应关注其可持续性。" : "毛利率不高,利润对成本波动较为敏感。"
    return text
}

/// WACC and a two-stage DCF with a Gordon terminal value.
func dcf() -> String {
    let who = company(), unit = rng.pick(units)
    let equityWeight = rng.hundredth(0.4...0.9), costEquity = rng.tenth(8...14) / 100, costDebt = rng.tenth(3...7) / 100
    let wacc = equityWeight * costEquity + (1 - equityWeight) * costDebt * 0.75
    let fcf = rng.tenth(2...30), growth = rng.hundredth(1...3) / 100
    let terminal = fcf * (1 + growth) / (wacc - growth)
    return "DCF估值:\(who)股权占资本结构的\(pct(equityWeight)),股权成本\(pct(costEquity)),税前债务成本\(pct(costDebt)),所得税税率25%,"
        + "WACC=\(f2(equityWeight))×\(pct(costEquity))+\(f2(1 - equityWeight))×\(pct(costDebt))×(1-25%)=\(pct(wacc))。"
        + "预测期末自由现金流\(f1(fcf))\(unit),永续增长率\(pct(growth)),终值=FCF×(1+g)/(WACC-g)=\(f1(fcf))×\(String(format: "%.4f", 1 + growth))/(\(pct(wacc))-\(pct(growth)))=\(f1(terminal))\(unit)。"
        + "终值通常占企业价值的大部分,对WACC和永续增长率非常敏感,应做敏感性分析。"
}

/// Valuation multiples.
func multiples() -> String {
    let who = company(), unit = "亿元"
    let price = rng.tenth(5...120), eps = rng.tenth(0.2...6), bps = rng.tenth(2...40)
    let cap = rng.tenth(50...2000), debt = rng.tenth(0...400), cash = rng.tenth(5...300), ebitda = rng.tenth(8...200)
    let ev = cap + debt - cash
    var text = "估值指标:\(who)股价\(f1(price))元,每股收益\(f2(eps))元,每股净资产\(f2(bps))元,市盈率PE=\(f1(price / eps))倍,市净率PB=\(f2(price / bps))倍。"
    text += "总市值\(f1(cap))\(unit),有息负债\(f1(debt))\(unit),货币资金\(f1(cash))\(unit),企业价值EV=市值+有息负债-货币资金=\(f1(ev))\(unit),EBITDA\(f1(ebitda))\(unit),EV/EBITDA=\(f1(ev / ebitda))倍。"
    text += "相比PE,EV/EBITDA不受资本结构和折旧政策影响,更适合比较负债水平不同的公司。"
    return text
}

/// Statement-reading notes without figures: red flags and how the statements connect.
let notes: [[String]] = [
    ["阅读资产负债表时,", "分析资产负债表时,", "看资产负债表,"],
    ["先看资产结构:货币资金是否充足,应收账款和存货占总资产的比例是否逐年升高;",
     "重点关注商誉占净资产的比例,高商誉意味着并购溢价,一旦标的业绩不达预期就会计提减值;",
     "要区分有息负债和经营性负债,预收款和应付账款多说明企业在产业链中地位较强;",
     "存贷双高,即货币资金和有息负债同时很高,是需要警惕的信号,可能存在资金受限或虚增现金;"],
    ["再与利润表和现金流量表交叉验证,", "然后结合现金流量表核对,", "最后与同行业公司横向比较,"],
    ["如果净利润持续增长而经营现金流长期为负,利润的真实性值得怀疑。",
     "应收账款增速长期快于营业收入增速,往往说明放宽了信用政策来换取收入。",
     "存货大幅增加而营业收入停滞,可能存在滞销和跌价风险。",
     "在建工程长期不转固,可能是在推迟折旧以美化利润。",
     "资本化的研发支出比例突然提高,会在当期抬高利润,应还原为费用后再比较。"],
]

func statementNote() -> String { notes.map { rng.pick($0) }.joined() }

let makers: [() -> String] = [cashFlow, roic, dupont, solvency, workingCapital, margins, dcf, multiples, statementNote]

func escape(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

var lines: [String] = []
var seen = Set<String>()
while lines.count < 400 {
    let text = makers[lines.count % makers.count]()
    if seen.insert(text).inserted { lines.append("{\"text\": \"\(escape(text))\"}") }
}

FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
FileHandle.standardError.write(Data("\(lines.count) records\n".utf8))
