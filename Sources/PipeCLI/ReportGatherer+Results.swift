import Foundation
import JSON
import ModelArtifacts
import PipeCache
import PipeCore
import Report
import TrainStage

extension ReportGatherer {
    /// Scored answers shown per evaluate stage; the rest are counted (`pipe show` has them all).
    static let shownReferences = 12

    /// A train stage's curves: from its artifact when cached, else from its checkpoint folder's
    /// log (a run in progress or interrupted), else nothing.
    func training(_ stage: Pipeline.Stage, comparing other: ReportGatherer? = nil) throws -> TrainingSection? {
        guard let (log, partial) = try trainingLog(stage.id) else { return nil }
        let params = stage.params
        let method = params["method"]?.stringValue ?? "lora"
        let lora = method != "full"
        var section = TrainingSection(
            stage: stage.id, method: method, rank: lora ? params["r"]?.intValue : nil,
            alpha: lora ? params["alpha"]?.doubleValue : nil,
            targets: lora ? (params["targets"]?.arrayValue ?? []).compactMap(\.stringValue) : [],
            totalSteps: log.totalSteps, steps: log.log.map(Self.step), partial: partial)
        if !partial, let key = plan.keys[stage.id],
            let record = RunRecords(store: store, manifest: pipeline.url).load()[stage.id], record.key == key,
            let metrics = record.metrics
        {
            section.seconds = metrics["seconds"]?.doubleValue ?? record.seconds
            section.peakMemoryBytes = metrics["memory"]?["peak_resident"]?.intValue
            // The estimate's gradients are one float32 per trainable value.
            section.trainableParameters = metrics["memory"]?["estimate"]?["gradients"]?.intValue.map { $0 / 4 }
            section.tokensPerSecond = (metrics["steps"]?.arrayValue ?? []).compactMap { pair in
                guard let step = pair.arrayValue?.first?.doubleValue, let rate = pair.arrayValue?.last?.doubleValue
                else { return nil }
                return Point(step, rate)
            }
        }
        if let other, let match = other.matchingTrainStage(for: stage.id, in: pipeline),
            let (otherLog, _) = try other.trainingLog(match)
        {
            let name = other.pipeline.url.deletingPathExtension().lastPathComponent
            section.comparison = .init(label: "\(name) \(match)", steps: otherLog.log.map(Self.step))
        }
        return section
    }

    static func step(_ step: TrainingLog.Step) -> TrainingSection.Step {
        .init(step: step.step, loss: step.loss, lr: step.lr, gradNorm: step.gradNorm, evalLoss: step.evalLoss)
    }

    /// The log and whether it is partial (read from the checkpoint folder of an unfinished run).
    func trainingLog(_ id: String) throws -> (TrainingLog, partial: Bool)? {
        if let log = try withArtifact(
            id,
            { folder in
                try JSONDecoder().decode(
                    TrainingLog.self, from: Data(contentsOf: folder.appendingPathComponent(TrainingLog.fileName)))
            })
        {
            return (log, false)
        }
        guard let key = plan.keys[id],
            let data = FileManager.default.contents(
                atPath: store.scratchFolder(for: key).appendingPathComponent("log.json").path),
            let steps = try? JSONDecoder().decode([TrainingLog.Step].self, from: data)
        else { return nil }
        let progress = FileManager.default.contents(
            atPath: store.scratchFolder(for: key).appendingPathComponent(TrainStage.progressFile).path)
        let total =
            progress.flatMap { try? JSONParser.parse($0)["total_steps"]?.intValue }
            ?? pipeline.stage(id)?.params["max_steps"]?.intValue ?? 0
        return (TrainingLog(log: steps, totalSteps: max(total, steps.last?.step ?? 0)), true)
    }

    /// The train stage of this (the compared) manifest to draw beside `id` of `mine`: the same id,
    /// else the train stage in the same position among train stages.
    func matchingTrainStage(for id: String, in mine: Pipeline) -> String? {
        let trains = pipeline.order.filter { pipeline.stage($0)?.kind.kind == "train" }
        if trains.contains(id) { return id }
        let myTrains = mine.order.filter { mine.stage($0)?.kind.kind == "train" }
        guard let index = myTrains.firstIndex(of: id), index < trains.count else { return nil }
        return trains[index]
    }

    func evaluation(_ stage: Pipeline.Stage) throws -> EvaluationSection? {
        guard let json = try summaryJSON(stage.id) else { return nil }
        let losses = json["loss"]?.objectValue ?? []
        let scores = json["metrics"]?.objectValue ?? []
        let classes = json["classes"]?.objectValue ?? []
        var variants: [String] = []
        for name in losses.map(\.key) + scores.map(\.key) + classes.map(\.key) where !variants.contains(name) {
            variants.append(name)
        }
        for generation in json["generations"]?.arrayValue ?? [] {
            if let name = generation["variant"]?.stringValue, !variants.contains(name) { variants.append(name) }
        }
        func row(
            _ name: String, _ format: String, _ table: [(key: String, value: JSONValue)],
            _ pick: (JSONValue) -> Double?
        ) -> EvaluationSection.Metric? {
            let values = variants.map { v in table.first { $0.key == v }.flatMap { pick($0.value) } }
            return values.contains { $0 != nil } ? .init(name: name, values: values, format: format) : nil
        }
        var metrics = [
            row("\(json["split"]?.stringValue ?? "eval") loss", "%.4f", losses) { $0["loss"]?.doubleValue },
            row("perplexity", "%.2f", losses) { $0["perplexity"]?.doubleValue },
            row("ROUGE-L", "%.3f", scores) { $0["rouge_l"]?.doubleValue },
            row("BLEU-4", "%.3f", scores) { $0["bleu_4"]?.doubleValue },
            row("exact match", "%.3f", scores) { $0["exact_match"]?.doubleValue },
            row("class accuracy", "%.3f", classes) { $0["accuracy"]?.doubleValue },
        ].compactMap { $0 }
        let classNames = classes.first?.value["per_class"]?.objectValue?.map(\.key) ?? []
        for name in classNames {
            if let metric = row(
                "accuracy: \(name)", "%.3f", classes, { $0["per_class"]?[name]?["accuracy"]?.doubleValue })
            {
                metrics.append(metric)
            }
        }
        var answers: [EvaluationSection.Answers] = []
        var prompts: [String] = []
        let generations = json["generations"]?.arrayValue ?? []
        for generation in generations {
            if let prompt = generation["prompt"]?.stringValue, !prompts.contains(prompt) { prompts.append(prompt) }
        }
        for prompt in prompts {
            let mine = generations.filter { $0["prompt"]?.stringValue == prompt }
            answers.append(
                .init(
                    prompt: prompt,
                    answers: variants.map { v in
                        mine.first { $0["variant"]?.stringValue == v }?["text"]?.stringValue
                    }))
        }
        var scored: [(prompt: String, reference: String)] = []
        let references = json["references"]?.arrayValue ?? []
        for reference in references {
            guard let prompt = reference["prompt"]?.stringValue, let text = reference["reference"]?.stringValue,
                !scored.contains(where: { $0.prompt == prompt })
            else { continue }
            scored.append((prompt, text))
        }
        for (prompt, text) in scored.prefix(Self.shownReferences) {
            let mine = references.filter { $0["prompt"]?.stringValue == prompt }
            answers.append(
                .init(
                    prompt: prompt, reference: text,
                    answers: variants.map { v in
                        mine.first { $0["variant"]?.stringValue == v }?["answer"]?.stringValue
                    }))
        }
        return EvaluationSection(
            stage: stage.id, split: json["split"]?.stringValue ?? "", examples: json["examples"]?.intValue ?? 0,
            variants: variants, metrics: metrics, answers: answers,
            moreReferences: max(0, scored.count - Self.shownReferences))
    }

    func export(_ stage: Pipeline.Stage) throws -> ExportSection? {
        guard let json = try summaryJSON(stage.id) else { return nil }
        let format = json["format"]?.stringValue ?? stage.params["format"]?.stringValue ?? ""
        let path = json["path"]?.stringValue ?? stage.params["path"]?.stringValue ?? ""
        let files = (json["files"]?.arrayValue ?? []).map {
            ExportSection.File(name: $0["name"]?.stringValue ?? "", bytes: $0["bytes"]?.intValue ?? 0)
        }
        return ExportSection(
            stage: stage.id, format: format, path: path, files: files, usage: Self.usage(format: format, path: path))
    }

    /// How the tool each format is for loads it (paths relative to the manifest's folder).
    static func usage(format: String, path: String) -> String {
        switch format {
        case "gguf": return "llama-completion -m \(path) -p \"...\" -n 64"
        case "gguf-lora": return "llama-completion -m BASE.gguf --lora \(path) -p \"...\" -n 64"
        case "hf":
            return "AutoModelForCausalLM.from_pretrained(\"\(path)\")\nAutoTokenizer.from_pretrained(\"\(path)\")"
        case "peft": return "PeftModel.from_pretrained(base, \"\(path)\")"
        case "onnx": return "onnxruntime.InferenceSession(\"\(path)/model.onnx\")"
        default: return path
        }
    }
}
