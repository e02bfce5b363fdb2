import Foundation
import PipeCache
import PipeCore

extension RunCommand {
    /// The report of a run, beside the manifest. A rerun that only found what the last run left
    /// (every stage cached, under the keys it had) keeps its no-op speed: the page it would write
    /// says the same as the one already there (`pipe report` rewrites it on demand). A failure to
    /// write it is said, not fatal: nil.
    func writeReport(
        of run: RunReport, pipeline: Pipeline, store: ArtifactStore, plan: Plan, known: [String: RunRecords.Stage]
    ) -> URL? {
        let url = ReportFile.defaultURL(for: pipeline)
        let changed = run.interrupted || run.stages.contains { $0.status != .cached || known[$0.id]?.key != $0.key }
        if !changed && FileManager.default.fileExists(atPath: url.path) { return url }
        let outcomes = Dictionary(run.stages.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        do {
            try ReportFile.write(
                ReportGatherer(pipeline: pipeline, store: store, plan: plan, outcomes: outcomes).model(), to: url)
            return url
        } catch {
            printError("could not write the report \(url.path): \(error)")
            return nil
        }
    }
}
