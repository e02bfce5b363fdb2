import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What `scripts/report-browser-check.py` saw of a page in headless Chromium.
struct BrowserView {
    let json: [String: Any]

    /// Opens `page` at `width` CSS pixels (`mobile` as a phone does) and screenshots it to `screenshot`.
    init(_ page: URL, width: Int, mobile: Bool = false, screenshot: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", TestPaths.packageRoot.appendingPathComponent("scripts/report-browser-check.py").path,
                page.path, "--width", "\(width)", "--screenshot", screenshot.path,
            ] + (mobile ? ["--mobile"] : [])
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw BrowserError(message: "the browser check failed (\(process.terminationStatus)): \(stderr)")
        }
        self.json = json
    }

    var console: [Any] { json["console"] as? [Any] ?? ["no console list"] }
    var requests: [Any] { json["requests"] as? [Any] ?? ["no request list"] }
    var charts: [[String: Any]] { json["charts"] as? [[String: Any]] ?? [] }

    /// A chart's series as name -> (declared, drawn) point counts.
    func series(of title: String) -> [String: (declared: Int, drawn: Int)] {
        let chart = charts.first { $0["title"] as? String == title }
        var out: [String: (Int, Int)] = [:]
        for s in chart?["series"] as? [[String: Any]] ?? [] {
            out[s["name"] as? String ?? ""] = (s["declared"] as? Int ?? -1, s["points"] as? Int ?? -2)
        }
        return out
    }

    func bars(of title: String) -> [Int] {
        charts.first { $0["title"] as? String == title }?["bars"] as? [Int] ?? []
    }

    /// The split table cells of a stage: split -> field -> text.
    func splits(of stage: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for row in json["splits"] as? [[String: Any]] ?? [] where row["stage"] as? String == stage {
            out[row["split"] as? String ?? ""] = row["fields"] as? [String: String] ?? [:]
        }
        return out
    }

    /// An evaluate stage's metric cells: "metric/variant" -> exact value.
    func metrics(of stage: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for cell in json["metrics"] as? [[String: Any]] ?? [] where cell["stage"] as? String == stage {
            out["\(cell["metric"] as? String ?? "")/\(cell["variant"] as? String ?? "")"] = Double(
                cell["value"] as? String ?? "")
        }
        return out
    }
}

struct BrowserError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Where the screenshots go for a reviewer to open: `.build/test-output/report/`.
let reportOutput = TestPaths.packageRoot.appendingPathComponent(".build/test-output/report")

@Suite("pipe report in a real browser", .serialized)
struct ReportBrowserTests {
    @Test("the quickstart report loads offline with no console error or request, and its numbers are pipe show's")
    func quickstartReport() throws {
        // Classes make the evaluate stage score answers per class, a table row each.
        let project = try quickstartProject(editing: {
            $0.replacingOccurrences(of: #""references": 2"#, with: #""references": 2, "classes": ["建议", "考虑"]"#)
        })
        defer { project.remove() }
        let run = try project.pipe("run", "quickstart.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let page = project.folder.appendingPathComponent("quickstart.report.html")
        #expect(object?["report"] as? String == page.path)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.utf8.count < 200_000, "the quickstart page is \(html.utf8.count) bytes")
        #expect(html.contains("class=\"badge ran\""), "pipe run's own report says which stages ran")

        // `pipe report` alone writes the same sections from the cache.
        let report = try project.pipe("report", "quickstart.json", "-o", "standalone.html")
        #expect(report.status == 0 && report.stdout.hasSuffix("standalone.html\n"), "\(report.stderr)")

        try FileManager.default.createDirectory(at: reportOutput, withIntermediateDirectories: true)
        let view = try BrowserView(
            page, width: 1280, screenshot: reportOutput.appendingPathComponent("quickstart-1280.png"))
        #expect(view.console.isEmpty, "console: \(view.console)")
        #expect(view.requests.isEmpty, "requests: \(view.requests)")
        #expect(view.json["scripts"] as? Int == 0)
        #expect(
            view.json["stages"] as? [String] == ["records", "split", "tiny", "tokens", "trained", "eval", "q8", "gguf"])

        // Training: one point per logged step, one eval point per evaluation.
        let log = try showJSON(project, "trained")["log"] as? [[String: Any]] ?? []
        #expect(log.count == 15)
        let loss = view.series(of: "trained: loss")
        #expect(loss["loss"]?.drawn == log.count && loss["loss"]?.declared == log.count, "\(loss)")
        #expect(loss["smoothed"]?.drawn == log.count)
        #expect(loss["eval loss"]?.drawn == log.filter { $0["eval_loss"] != nil }.count)
        #expect(view.series(of: "trained: learning rate")["learning rate"]?.drawn == log.count)
        #expect(view.series(of: "trained: gradient norm")["grad norm"]?.drawn == log.count)
        #expect(view.series(of: "trained: tokens/s")["tokens/s"]?.drawn == log.count)
        let text = view.json["text"] as? String ?? ""

        // Data: counts per split as pipe show --json has them; the histogram holds every example.
        for stage in ["records", "split"] {
            let shown = try showJSON(project, stage)["splits"] as? [[String: Any]] ?? []
            let cells = view.splits(of: stage)
            #expect(shown.count == cells.count && !shown.isEmpty)
            for split in shown {
                #expect(
                    cells[split["name"] as? String ?? ""]?["count"] == "\(split["count"] as? Int ?? -1)", "\(stage)")
            }
        }
        let tokens = try showJSON(project, "tokens")["splits"] as? [[String: Any]] ?? []
        #expect(tokens.count == 2)
        for split in tokens {
            let cells = view.splits(of: "tokens")[split["name"] as? String ?? ""] ?? [:]
            #expect(cells["count"] == "\(split["examples"] as? Int ?? -1)")
            for field in ["tokens", "trained_tokens", "truncated", "dropped"] {
                #expect(cells[field] == "\(split[field] as? Int ?? -1)", "tokens \(field)")
            }
        }
        #expect(
            view.bars(of: "tokens: tokens per example").reduce(0, +)
                == tokens.map { $0["examples"] as? Int ?? 0 }.reduce(0, +))

        // Evaluation: the exact numbers of the eval stage's report.
        let eval = try showJSON(project, "eval")
        let metrics = view.metrics(of: "eval")
        let model = (eval["loss"] as? [String: Any])?["model"] as? [String: Any]
        #expect(metrics["eval loss/model"] == model?["loss"] as? Double)
        #expect(metrics["perplexity/model"] == model?["perplexity"] as? Double)
        let scores = (eval["metrics"] as? [String: Any])?["model"] as? [String: Any]
        #expect(metrics["ROUGE-L/model"] == (scores?["rouge_l"] as? NSNumber)?.doubleValue)
        #expect(metrics["BLEU-4/model"] == (scores?["bleu_4"] as? NSNumber)?.doubleValue)
        #expect(metrics["exact match/model"] == (scores?["exact_match"] as? NSNumber)?.doubleValue)
        let classes = (eval["classes"] as? [String: Any])?["model"] as? [String: Any]
        #expect(classes != nil && metrics["class accuracy/model"] == (classes?["accuracy"] as? NSNumber)?.doubleValue)
        for name in ["建议", "考虑"] {
            let perClass = (classes?["per_class"] as? [String: Any])?[name] as? [String: Any]
            #expect(metrics["accuracy: \(name)/model"] == (perClass?["accuracy"] as? NSNumber)?.doubleValue, "\(name)")
        }
        #expect(text.contains("llama-completion -m out/quickstart-q8_0.gguf"))

        // --compare draws another manifest's curves over these: here the same model trained for one epoch.
        try project.write(
            "short.json",
            try String(contentsOf: project.folder.appendingPathComponent("quickstart.json"), encoding: .utf8)
                .replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 1"#))
        #expect(try project.pipe("run", "short.json", "--until", "trained", "--no-report").status == 0)
        let shortLog = try JSONSerialization.jsonObject(
            with: Data(project.pipe("show", "short.json", "trained", "--json").stdout.utf8))
        let shortSteps = ((shortLog as? [String: Any])?["content"] as? [String: Any])?["log"] as? [[String: Any]] ?? []
        #expect(!shortSteps.isEmpty && shortSteps.count < log.count)
        #expect(
            try project.pipe("report", "quickstart.json", "--compare", "short.json", "-o", "compare.html").status == 0)
        let compared = try BrowserView(
            project.folder.appendingPathComponent("compare.html"), width: 1280,
            screenshot: reportOutput.appendingPathComponent("quickstart-compare.png"))
        #expect(compared.console.isEmpty && compared.requests.isEmpty, "\(compared.console) \(compared.requests)")
        #expect(compared.series(of: "trained: loss")["short trained"]?.drawn == shortSteps.count)
        #expect(compared.series(of: "trained: learning rate")["short trained"]?.drawn == shortSteps.count)

        // A phone: the page itself does not scroll sideways (the graph and wide tables scroll in their box).
        let phone = try BrowserView(
            page, width: 390, mobile: true, screenshot: reportOutput.appendingPathComponent("quickstart-phone.png"))
        #expect(phone.console.isEmpty, "console: \(phone.console)")
        #expect(phone.requests.isEmpty, "requests: \(phone.requests)")
        let width = phone.json["width"] as? Int ?? 0
        let scrollWidth = phone.json["scrollWidth"] as? Int ?? -1
        #expect(width == 390 && scrollWidth <= width, "page is \(scrollWidth) px wide on a \(width) px phone")
    }

    @Test("the browser check sees what it must catch: a console error, an uncaught exception and a request")
    func checkCanFail() throws {
        let folder = try makeTemporaryFolder("report-check")
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("bad.html")
        try """
        <!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png">
        <script>console.error("boom"); undefinedFunction();</script></body></html>
        """.write(to: page, atomically: true, encoding: .utf8)
        let view = try BrowserView(page, width: 800, screenshot: folder.appendingPathComponent("bad.png"))
        #expect(view.requests.contains { "\($0)".contains("127.0.0.1:9/pixel.png") }, "\(view.requests)")
        #expect(view.console.contains { "\($0)".contains("boom") }, "\(view.console)")
        #expect(view.console.contains { "\($0)".contains("undefinedFunction") }, "\(view.console)")
        #expect(view.json["scripts"] as? Int == 1)
    }

    @Test("an unfinished training shows its curve up to the last checkpoint; a stage being computed shows as running")
    func partialTraining() throws {
        let project = try quickstartProject(editing: {
            $0.replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 4"#)
                .replacingOccurrences(of: #""checkpoint_every": 4"#, with: #""checkpoint_every": 2"#)
        })
        defer { project.remove() }
        let (process, _, _) = try PipeProcess.start(
            ["run", "quickstart.json", "--until", "trained"], in: project.folder)
        let scratch = project.folder.appendingPathComponent(".pipe/scratch")
        var log: URL?
        while log == nil && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
            log = folders.map { scratch.appendingPathComponent("\($0)/log.json") }.first {
                FileManager.default.fileExists(atPath: $0.path)
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let checkpointLog = try #require(log, "training wrote no checkpoint before it finished")
        let steps = try JSONSerialization.jsonObject(with: Data(contentsOf: checkpointLog)) as? [[String: Any]] ?? []
        #expect(!steps.isEmpty)

        // Holding the train stage's lock is what a run computing it does.
        let status = try project.pipe("status", "quickstart.json", "--json")
        let rows =
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["stages"]
            as? [[String: Any]] ?? []
        let key = try #require(rows.first { $0["id"] as? String == "trained" }?["key"] as? String)
        let lockPath = project.folder.appendingPathComponent(".pipe/locks/\(key).lock").path
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let report = try project.pipe("report", "quickstart.json")
        close(fd)
        #expect(report.status == 0, "\(report.stderr)")
        let page = project.folder.appendingPathComponent("quickstart.report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("A run is in progress") && html.contains("In progress: \(steps.count) of 20 steps"))  // 4 epochs of 5 packed batches
        #expect(html.contains("<tr data-stage=\"trained\"><td><b>trained</b></td><td>train → model</td>"))
        #expect(html.contains("<span class=\"badge running\">running</span>"))

        try FileManager.default.createDirectory(at: reportOutput, withIntermediateDirectories: true)
        let view = try BrowserView(
            page, width: 1280, screenshot: reportOutput.appendingPathComponent("quickstart-partial.png"))
        #expect(view.console.isEmpty && view.requests.isEmpty, "\(view.console) \(view.requests)")
        #expect(view.series(of: "trained: loss")["loss"]?.drawn == steps.count)
        #expect(view.series(of: "trained: tokens/s").isEmpty, "no throughput is known before the stage finishes")
    }
}
