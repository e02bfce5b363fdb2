// Generates pipelines/data/medical_large.jsonl: 300+ varied Chinese medical instruction records in
// the seed guide's Alpaca style (诊断建议生成 / 用药指导 / 化验单解读 / 检查建议 / 健康宣教), from a
// small table of conditions crossed with patients, durations and wordings. Deterministic: the same
// script always writes the same bytes.
//
//     swift scripts/generate-medical-data.swift > pipelines/data/medical_large.jsonl
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

struct Condition {
    let name: String
    let ages: ClosedRange<Int>
    let symptoms: [String]
    let history: [String]
    let durations: [String]
    let diagnosis: String
    let exams: [String]
    let drugs: [String]
    let advice: [String]
    let lab: (String, String)?
}

let conditions: [Condition] = [
    Condition(name: "社区获得性肺炎", ages: 18...80, symptoms: ["发热、咳嗽、咳黄痰", "咳嗽伴胸痛,体温38.9°C", "寒战高热后出现咳嗽、气促"],
              history: ["无基础疾病", "有糖尿病史", "近期受凉"], durations: ["3天", "5天", "一周"],
              diagnosis: "考虑社区获得性肺炎", exams: ["胸部CT", "血常规+CRP", "降钙素原", "痰培养"],
              drugs: ["阿莫西林克拉维酸钾口服", "左氧氟沙星500mg qd", "头孢呋辛联合阿奇霉素"],
              advice: ["多饮水、注意休息", "72小时复评疗效", "出现呼吸困难立即就诊"], lab: ("WBC 14.2×10⁹/L,中性粒细胞85%", "白细胞及中性粒细胞升高,支持细菌感染")),
    Condition(name: "急性支气管炎", ages: 10...70, symptoms: ["咳嗽、咳少量白痰", "阵发性咳嗽,无发热", "咽痛后出现咳嗽"],
              history: ["无吸烟史", "近期感冒", "办公室有类似病人"], durations: ["4天", "10天", "两周"],
              diagnosis: "考虑急性支气管炎", exams: ["听诊评估", "必要时胸片排除肺炎", "血常规"],
              drugs: ["多为病毒感染,不常规使用抗生素", "可用氨溴索化痰", "咳嗽剧烈时短期右美沙芬"],
              advice: ["避免吸烟及刺激性气体", "症状超过3周需复诊", "多饮温水"], lab: nil),
    Condition(name: "支气管哮喘", ages: 6...60, symptoms: ["反复喘息、夜间咳嗽", "接触冷空气后胸闷、咳嗽", "运动后气喘"],
              history: ["有过敏性鼻炎", "家族中有哮喘患者", "对尘螨过敏"], durations: ["数月", "半年", "两年"],
              diagnosis: "考虑支气管哮喘", exams: ["肺功能及支气管舒张试验", "呼出气一氧化氮", "过敏原检测"],
              drugs: ["吸入布地奈德福莫特罗", "急性发作时沙丁胺醇气雾剂", "规律使用吸入糖皮质激素"],
              advice: ["避免接触过敏原", "学会正确使用吸入装置", "记录症状日记"], lab: ("总IgE 680IU/mL", "总IgE明显升高,提示过敏体质,支持过敏性哮喘")),
    Condition(name: "慢性阻塞性肺疾病", ages: 55...85, symptoms: ["长期咳嗽咳痰,活动后气短", "冬季咳嗽加重,爬楼气喘", "慢性咳嗽伴喘息"],
              history: ["吸烟40年", "长期接触粉尘", "吸烟30年已戒烟"], durations: ["十余年", "二十年", "八年"],
              diagnosis: "考虑慢性阻塞性肺疾病", exams: ["肺功能检查", "胸部CT", "血气分析", "6分钟步行试验"],
              drugs: ["噻托溴铵吸入", "茚达特罗格隆溴铵吸入", "急性加重时短期口服泼尼松"],
              advice: ["戒烟是最有效的措施", "接种流感及肺炎球菌疫苗", "坚持肺康复训练"], lab: ("PaO2 58mmHg,PaCO2 52mmHg", "提示低氧血症伴二氧化碳潴留,需评估家庭氧疗")),
    Condition(name: "肺结核", ages: 16...75, symptoms: ["低热、盗汗、咳嗽", "咳嗽伴痰中带血、乏力", "午后低热、体重下降"],
              history: ["有结核接触史", "长期使用免疫抑制剂", "居住环境拥挤"], durations: ["一个月", "六周", "两个月"],
              diagnosis: "需排除肺结核", exams: ["痰涂片抗酸染色", "结核分枝杆菌核酸检测", "胸部CT", "T-SPOT"],
              drugs: ["确诊后标准四联抗结核治疗", "异烟肼+利福平+吡嗪酰胺+乙胺丁醇", "定期监测肝功能"],
              advice: ["治疗期间佩戴口罩", "规律足疗程服药", "密切接触者筛查"], lab: ("T-SPOT阳性", "提示结核感染,需结合影像和痰检区分活动性肺结核与潜伏感染")),
    Condition(name: "2型糖尿病", ages: 35...80, symptoms: ["口干、多饮、多尿", "体检发现血糖升高", "体重下降伴乏力"],
              history: ["肥胖", "有糖尿病家族史", "合并高血压"], durations: ["三个月", "半年", "一年"],
              diagnosis: "考虑2型糖尿病", exams: ["空腹及餐后2小时血糖", "糖化血红蛋白", "尿微量白蛋白", "眼底检查"],
              drugs: ["二甲双胍500mg bid起始", "联合SGLT2抑制剂", "血糖很高时启用基础胰岛素"],
              advice: ["控制总热量,减少精制碳水", "每周至少150分钟运动", "定期监测血糖"], lab: ("糖化血红蛋白8.6%", "近2-3个月平均血糖明显偏高,需强化降糖方案")),
    Condition(name: "原发性高血压", ages: 35...85, symptoms: ["头晕、头胀", "体检发现血压升高", "晨起后枕部头痛"],
              history: ["高盐饮食", "父母均有高血压", "长期熬夜"], durations: ["两个月", "一年", "三年"],
              diagnosis: "考虑原发性高血压", exams: ["24小时动态血压", "肾功能及电解质", "心电图", "心脏彩超"],
              drugs: ["氨氯地平5mg qd", "缬沙坦80mg qd", "联合小剂量氢氯噻嗪"],
              advice: ["每日食盐<5g", "控制体重、限制饮酒", "家庭自测血压"], lab: ("血钾3.1mmol/L", "低钾合并高血压需排查原发性醛固酮增多症")),
    Condition(name: "稳定型心绞痛", ages: 45...85, symptoms: ["活动后胸骨后压迫感", "快走时胸闷,休息可缓解", "情绪激动后胸痛"],
              history: ["吸烟", "高脂血症", "糖尿病"], durations: ["两周", "一个月", "三个月"],
              diagnosis: "考虑稳定型心绞痛", exams: ["心电图", "运动负荷试验", "冠脉CTA", "血脂检测"],
              drugs: ["阿司匹林100mg qd", "阿托伐他汀20mg qn", "发作时硝酸甘油舌下含服"],
              advice: ["避免剧烈运动和饱餐", "戒烟", "胸痛超过15分钟立即就医"], lab: ("LDL-C 3.9mmol/L", "低密度脂蛋白胆固醇偏高,冠心病患者目标<1.8mmol/L,需强化降脂")),
    Condition(name: "慢性心力衰竭", ages: 55...90, symptoms: ["夜间阵发性呼吸困难、咳嗽", "双下肢水肿,活动耐量下降", "平卧时气短,需高枕卧位"],
              history: ["陈旧性心肌梗死", "长期高血压", "扩张型心肌病"], durations: ["一个月", "三个月", "半年"],
              diagnosis: "考虑慢性心力衰竭", exams: ["BNP或NT-proBNP", "心脏彩超", "胸片", "肾功能及电解质"],
              drugs: ["沙库巴曲缬沙坦", "美托洛尔缓释片", "螺内酯", "达格列净"],
              advice: ["限盐限水", "每日称体重", "体重3天增加2kg及时就诊"], lab: ("NT-proBNP 4200pg/mL", "明显升高,支持心力衰竭诊断并提示病情较重")),
    Condition(name: "心房颤动", ages: 50...90, symptoms: ["心悸、心跳不规则", "乏力伴胸闷", "突发心慌"],
              history: ["高血压", "甲状腺功能亢进", "饮酒"], durations: ["数小时", "两天", "反复半年"],
              diagnosis: "考虑心房颤动", exams: ["心电图", "24小时动态心电图", "心脏彩超", "甲状腺功能"],
              drugs: ["按CHA2DS2-VASc评分决定抗凝", "利伐沙班20mg qd", "美托洛尔控制心室率"],
              advice: ["不可自行停用抗凝药", "留意出血征象", "限制饮酒"], lab: nil),
    Condition(name: "胃食管反流病", ages: 25...75, symptoms: ["反酸、烧心", "餐后胸骨后烧灼感", "夜间咳嗽伴反酸"],
              history: ["肥胖", "喜食辛辣", "睡前进食"], durations: ["一个月", "三个月", "一年"],
              diagnosis: "考虑胃食管反流病", exams: ["胃镜", "24小时食管pH监测", "试验性PPI治疗"],
              drugs: ["奥美拉唑20mg bid", "铝碳酸镁咀嚼片", "疗程8周后评估"],
              advice: ["睡前3小时不进食", "抬高床头", "减重、戒烟酒"], lab: nil),
    Condition(name: "消化性溃疡", ages: 20...75, symptoms: ["规律性上腹痛,饥饿时加重", "上腹隐痛伴黑便", "餐后上腹胀痛"],
              history: ["长期服用阿司匹林", "幽门螺杆菌阳性", "工作压力大"], durations: ["两周", "一个月", "半年"],
              diagnosis: "考虑消化性溃疡", exams: ["胃镜", "尿素呼气试验", "大便潜血", "血常规"],
              drugs: ["PPI抑酸治疗", "幽门螺杆菌阳性者四联根除治疗14天", "评估停用NSAIDs"],
              advice: ["规律进食", "避免饮酒和辛辣", "黑便或呕血立即就医"], lab: ("尿素呼气试验阳性", "提示幽门螺杆菌感染,建议四联根除治疗后复查")),
    Condition(name: "急性阑尾炎", ages: 10...70, symptoms: ["转移性右下腹痛", "右下腹痛伴恶心、低热", "脐周痛后转至右下腹"],
              history: ["无手术史", "既往体健", "曾有类似发作"], durations: ["6小时", "12小时", "一天"],
              diagnosis: "考虑急性阑尾炎", exams: ["血常规", "腹部超声", "腹部CT", "外科查体"],
              drugs: ["禁食、补液", "抗生素覆盖肠道菌群", "尽早外科评估手术"],
              advice: ["明确诊断前慎用止痛药", "不要热敷腹部", "腹痛加剧立即复诊"], lab: nil),
    Condition(name: "尿路感染", ages: 18...80, symptoms: ["尿频、尿急、尿痛", "排尿烧灼感伴下腹不适", "尿频伴发热、腰痛"],
              history: ["近期饮水少", "绝经后", "糖尿病"], durations: ["两天", "四天", "一周"],
              diagnosis: "考虑尿路感染", exams: ["尿常规", "尿培养", "泌尿系超声"],
              drugs: ["呋喃妥因口服5天", "磷霉素氨丁三醇单剂", "肾盂肾炎需用喹诺酮或头孢类"],
              advice: ["多饮水、勤排尿", "注意会阴清洁", "反复发作需查明诱因"], lab: ("尿白细胞+++,亚硝酸盐阳性", "提示细菌性尿路感染,建议尿培养指导用药")),
    Condition(name: "慢性肾脏病", ages: 40...85, symptoms: ["夜尿增多、乏力", "体检发现肌酐升高", "眼睑水肿伴泡沫尿"],
              history: ["糖尿病十年", "长期高血压", "长期服用止痛药"], durations: ["半年", "一年", "三年"],
              diagnosis: "考虑慢性肾脏病", exams: ["肾功能及eGFR", "尿白蛋白/肌酐比", "肾脏超声", "电解质"],
              drugs: ["ACEI或ARB减少蛋白尿", "SGLT2抑制剂", "避免肾毒性药物"],
              advice: ["低盐优质低蛋白饮食", "控制血压血糖", "定期复查肾功能"], lab: ("肌酐186μmol/L,eGFR 32", "提示慢性肾脏病3b期,需肾内科随访并调整药物剂量")),
    Condition(name: "缺铁性贫血", ages: 15...70, symptoms: ["乏力、头晕、面色苍白", "活动后心悸", "月经量多伴乏力"],
              history: ["月经过多", "素食", "有痔疮出血"], durations: ["两个月", "半年", "一年"],
              diagnosis: "考虑缺铁性贫血", exams: ["血常规", "铁蛋白及血清铁", "大便潜血", "妇科超声"],
              drugs: ["口服硫酸亚铁或多糖铁复合物", "同服维生素C促进吸收", "血红蛋白正常后继续补铁3个月"],
              advice: ["多吃红肉和动物肝脏", "查明失血原因", "一个月后复查血常规"], lab: ("血红蛋白86g/L,MCV 70fL,铁蛋白6ng/mL", "小细胞低色素性贫血伴铁蛋白降低,符合缺铁性贫血")),
    Condition(name: "甲状腺功能亢进症", ages: 18...65, symptoms: ["心悸、多汗、手抖", "体重下降、易饥饿", "怕热、烦躁、失眠"],
              history: ["甲状腺肿大", "家族中有甲状腺疾病", "近期压力大"], durations: ["一个月", "三个月", "半年"],
              diagnosis: "考虑甲状腺功能亢进症", exams: ["甲功五项", "TRAb", "甲状腺超声", "血常规及肝功能"],
              drugs: ["甲巯咪唑10mg tid起始", "普萘洛尔控制心率", "定期复查血常规和肝功"],
              advice: ["忌高碘饮食", "避免劳累", "出现发热咽痛立即查血常规"], lab: ("TSH 0.01mIU/L,FT4 48pmol/L", "TSH受抑制伴FT4升高,符合甲状腺功能亢进")),
    Condition(name: "甲状腺功能减退症", ages: 25...80, symptoms: ["怕冷、乏力、便秘", "体重增加、反应迟钝", "皮肤干燥、声音嘶哑"],
              history: ["桥本甲状腺炎", "甲状腺手术后", "碘131治疗后"], durations: ["三个月", "半年", "一年"],
              diagnosis: "考虑甲状腺功能减退症", exams: ["TSH及FT4", "甲状腺抗体", "血脂"],
              drugs: ["左甲状腺素钠从小剂量开始", "晨起空腹服用", "4-6周复查TSH调整剂量"],
              advice: ["长期规律服药", "备孕前告知医生", "与钙剂铁剂间隔4小时"], lab: ("TSH 18mIU/L,FT4降低", "符合原发性甲状腺功能减退,需左甲状腺素替代治疗")),
    Condition(name: "痛风", ages: 30...75, symptoms: ["夜间第一跖趾关节红肿热痛", "饮酒后踝关节剧痛", "关节反复肿痛"],
              history: ["喜食海鲜", "饮啤酒", "高尿酸血症多年"], durations: ["一天", "两天", "反复一年"],
              diagnosis: "考虑痛风性关节炎", exams: ["血尿酸", "关节超声", "双能CT", "肾功能"],
              drugs: ["急性期秋水仙碱", "或NSAIDs如依托考昔", "缓解后别嘌醇或非布司他降尿酸"],
              advice: ["限酒、少吃海鲜和内脏", "多饮水", "血尿酸控制在360μmol/L以下"], lab: ("血尿酸560μmol/L", "高尿酸血症,结合关节症状支持痛风诊断")),
    Condition(name: "骨质疏松症", ages: 55...90, symptoms: ["腰背疼痛、身高变矮", "轻微摔倒后腕部骨折", "体检骨密度降低"],
              history: ["绝经多年", "长期使用糖皮质激素", "低体重"], durations: ["半年", "一年", "两年"],
              diagnosis: "考虑骨质疏松症", exams: ["双能X线骨密度", "血钙磷及维生素D", "骨转换标志物"],
              drugs: ["阿仑膦酸钠70mg每周一次", "补充钙剂及维生素D", "必要时唑来膦酸静脉"],
              advice: ["防跌倒", "适度负重运动", "戒烟限酒"], lab: ("骨密度T值-3.0", "T值≤-2.5,符合骨质疏松症")),
    Condition(name: "偏头痛", ages: 15...55, symptoms: ["单侧搏动性头痛伴恶心", "头痛前出现闪光暗点", "经期前后头痛发作"],
              history: ["母亲有偏头痛", "睡眠不规律", "喜饮咖啡"], durations: ["反复半年", "反复两年", "反复五年"],
              diagnosis: "考虑偏头痛", exams: ["神经系统查体", "头痛日记", "必要时头颅MRI"],
              drugs: ["急性期布洛芬或曲普坦类", "发作频繁者预防性用普萘洛尔或氟桂利嗪", "避免止痛药过度使用"],
              advice: ["规律作息", "识别并避免诱因", "突发剧烈头痛立即就医"], lab: nil),
    Condition(name: "急性缺血性脑卒中", ages: 50...90, symptoms: ["突发一侧肢体无力", "言语不清、口角歪斜", "突发视物模糊伴行走不稳"],
              history: ["房颤未抗凝", "高血压", "糖尿病"], durations: ["1小时", "2小时", "3小时"],
              diagnosis: "高度怀疑急性缺血性脑卒中", exams: ["立即头颅CT", "血糖", "CTA评估大血管闭塞"],
              drugs: ["时间窗内评估静脉溶栓", "大血管闭塞评估取栓", "非溶栓者启动抗血小板"],
              advice: ["牢记BE FAST识别卒中", "立即拨打急救电话", "不要自行服药等待"], lab: nil),
    Condition(name: "过敏性鼻炎", ages: 6...60, symptoms: ["阵发性喷嚏、流清涕", "鼻痒、鼻塞伴咳嗽", "春季眼痒、流涕"],
              history: ["花粉过敏", "尘螨过敏", "有湿疹史"], durations: ["两周", "每年春季", "三年"],
              diagnosis: "考虑过敏性鼻炎", exams: ["过敏原检测", "鼻镜检查", "鼻分泌物嗜酸粒细胞"],
              drugs: ["鼻用糖皮质激素", "口服氯雷他定", "可联用孟鲁司特"],
              advice: ["减少过敏原暴露", "生理盐水洗鼻", "规律用药不要随意停"], lab: nil),
    Condition(name: "带状疱疹", ages: 40...85, symptoms: ["单侧胸背部簇集水疱伴刺痛", "腰部带状分布疱疹", "皮疹前局部烧灼痛"],
              history: ["近期劳累", "糖尿病", "免疫力低下"], durations: ["两天", "三天", "五天"],
              diagnosis: "考虑带状疱疹", exams: ["皮损查体", "必要时疱液病毒检测"],
              drugs: ["72小时内伐昔洛韦口服7天", "加巴喷丁缓解神经痛", "外用炉甘石洗剂"],
              advice: ["不要挤破水疱", "50岁以上可接种带状疱疹疫苗", "累及眼部立即就诊"], lab: nil),
]

let sexes = ["男性", "女性"]
let drugNotes = ["用药期间注意观察不良反应", "遵医嘱按时复诊", "不要自行增减剂量"]
let educationTopics = ["日常饮食注意事项", "如何预防复发", "生活方式调整", "什么情况需要立即就医"]

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

func record(_ instruction: String, _ input: String, _ output: String) -> String {
    "{\"instruction\": \"\(escape(instruction))\", \"input\": \"\(escape(input))\", \"output\": \"\(escape(output))\"}"
}

func numbered(_ items: [String]) -> String {
    items.enumerated().map { "\($0.offset + 1).\($0.element)" }.joined(separator: " ")
}

var rng = Generator(state: 2025)
var lines: [String] = []
var seen = Set<String>()
func emit(_ line: String) { if seen.insert(line).inserted { lines.append(line) } }

for condition in conditions {
    for variant in 0..<12 {
        let age = rng.int(condition.ages)
        let sex = rng.pick(sexes)
        let symptom = condition.symptoms[variant % condition.symptoms.count]
        let history = rng.pick(condition.history)
        let duration = rng.pick(condition.durations)
        let patient = "患者\(sex),\(age)岁,\(history),\(symptom)\(duration)"
        switch variant % 6 {
        case 0, 3:
            let exams = Array(condition.exams.prefix(variant % 6 == 0 ? 3 : 2))
            emit(record("诊断建议生成", patient, "\(condition.diagnosis),建议:" + numbered(exams)))
        case 1, 4:
            let first = rng.int(0...(condition.drugs.count - 1))
            let second = (first + 1 + rng.int(0...(condition.drugs.count - 2))) % condition.drugs.count
            let drugs = [condition.drugs[first], condition.drugs[second], rng.pick(drugNotes)]
            emit(record("用药指导", "\(condition.name)患者,\(age)岁,\(history)", "建议:" + numbered(drugs)))
        case 2:
            emit(record("检查建议", "\(symptom)\(duration),\(history)", "\(condition.diagnosis)可能,建议:" + numbered(condition.exams)))
        default:
            let topic = rng.pick(educationTopics)
            emit(record("健康宣教", "\(condition.name)患者询问\(topic)", numbered(condition.advice)))
        }
    }
    if let (finding, meaning) = condition.lab {
        emit(record("化验单解读", finding, meaning))
        emit(record("化验单解读", "\(rng.pick(sexes)),\(rng.int(condition.ages))岁,\(finding)", meaning + ",建议专科随访"))
    }
    emit(record("鉴别诊断", "\(condition.symptoms[0]),\(condition.durations[0])", "\(condition.diagnosis),需结合" + condition.exams.prefix(2).joined(separator: "、") + "与其他疾病鉴别"))
}

FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
FileHandle.standardError.write(Data("\(lines.count) records\n".utf8))
