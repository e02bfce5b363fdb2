import ArgumentParser
import Foundation
import PipeCache
import PipeCore
import Report

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: the pipeline, data, training curves, evaluation, exports.",
        discussion: """
            Reads only the cache and the run records; never runs a stage. During a run it shows what is \
            finished so far, and the training curve up to the last checkpoint. The page needs no network: \
            no script, inline CSS and SVG.
            """
    )

    @OptionGroup var manifest: ManifestOptions

    @Option(name: .shortAndLong, help: "Where to write the page (default: MANIFEST-NAME.report.html beside it).")
    var output: String?

    @Option(name: .long, help: "Another manifest whose training curves to draw over this one's.")
    var compare: String?

    func run() async throws {
        let (pipeline, store, plan) = try manifest.plan()
        var other: ReportGatherer?
        if let compare {
            let options = try ManifestOptions.parse([compare])
            let (otherPipeline, otherStore, otherPlan) = try options.plan()
            other = ReportGatherer(pipeline: otherPipeline, store: otherStore, plan: otherPlan)
        }
        let gatherer = ReportGatherer(pipeline: pipeline, store: store, plan: plan)
        let url = output.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? ReportFile.defaultURL(for: pipeline)
        do {
            try ReportFile.write(gatherer.model(comparing: other), to: url)
        } catch {
            printError("cannot write \(url.path): \(error)")
            throw ExitCode(74)
        }
        print(url.path)
    }
}

/// Where a report goes and how it is written.
enum ReportFile {
    /// `<manifest name>.report.html` beside the manifest.
    static func defaultURL(for pipeline: Pipeline) -> URL {
        pipeline.folder.appendingPathComponent(
            "\(pipeline.url.deletingPathExtension().lastPathComponent).report.html")
    }

    /// Writes the page whole or not at all, so a browser refreshing it never sees half a page.
    static func write(_ model: ReportModel, to url: URL) throws {
        try AtomicFile.write(Data(ReportPage.render(model).utf8), to: url)
    }
}
