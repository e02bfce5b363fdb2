import JSON
import Llama
import PipeCLI
import PipeCore
import Testing
import TrainStage

@Suite("Documented defaults are the ones the code uses")
struct DocumentedDefaultsTests {
    @Test("every stage kind decodes its documented defaults back to the same values")
    func everyKindRoundTripsItsDefaults() throws {
        let kinds = StageCatalog.registry.sortedKinds
        #expect(kinds.count >= 5)
        for kind in kinds {
            let used = try kind.defaultValues()
            for spec in kind.parameters where !spec.required {
                #expect(used[spec.name] == spec.defaultValue, "\(kind.kind).\(spec.name): documented \(String(describing: spec.defaultValue)), used \(String(describing: used[spec.name]))")
            }
        }
    }

    @Test("train's documented defaults are the trainer's own defaults")
    func trainDefaultsAreTheTrainersDefaults() throws {
        let library = TrainingHyperparameters()
        let fromManifest = TrainStage.hyperparameters(try TrainStage.Params.decode(.object([])), maxLength: library.maxLength,
                                                      padToken: library.padToken, packing: false)
        #expect(fromManifest == library)
    }

    @Test("a schedule typo is refused at its param, not mapped to a default")
    func scheduleTypoIsRefused() {
        #expect(throws: ManifestError.self) { try TrainStage.Params.decode(["schedule": "cosin"]) }
        do {
            _ = try TrainStage.Params.decode(["schedule": "cosin"])
        } catch let error as ManifestError {
            #expect(error.issues.map(\.path.description) == ["schedule"])
            #expect(error.description.contains("did you mean \"cosine\"?"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
