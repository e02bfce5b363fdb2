import Foundation
import Slurm
import TestSupport
import Testing

/// The parsers against outputs captured from a real Slurm 22.05 (Tests/Fixtures/slurm/README.md).
@Suite("Slurm outputs")
struct SlurmOutputTests {
    func fixture(_ name: String) throws -> String {
        try String(contentsOf: TestPaths.fixtures.appendingPathComponent("slurm/\(name)"), encoding: .utf8)
    }

    @Test("squeue lines give each job's state and reason, waiting or finished")
    func queue() throws {
        let waiting = try parseQueue(try fixture("squeue-waiting.txt"))
        #expect(waiting["4"] == QueueEntry(jobID: "4", state: .running, reason: "None"))
        #expect(waiting["5"] == QueueEntry(jobID: "5", state: .pending, reason: "Dependency"))
        #expect(waiting["2"]?.state == .failed && waiting["2"]?.reason == "NonZeroExitCode")
        let finished = try parseQueue(try fixture("squeue-finished.txt"))
        #expect(finished.count == 5)
        #expect(finished["1"]?.state == .completed)
        #expect(finished["4"]?.state == .cancelled && finished["4"]?.reason == "None")
        #expect(finished["5"]?.reason == "DependencyNeverSatisfied")
        #expect(finished.values.allSatisfy { $0.state.isFinished })
        #expect(waiting["5"]?.state.isFinished == false && waiting["4"]?.state.hasStarted == true)
    }

    @Test("an squeue line with an unknown state is an error, not a guess")
    func unknownState() throws {
        #expect(throws: SlurmError.self) { try parseQueue("7|WEIRD|None\n") }
        #expect(throws: SlurmError.self) { try parseQueue("7 RUNNING\n") }
        #expect(try parseQueue("\n").isEmpty)
    }

    @Test("scontrol's one-line job gives state, reason, exit code and log, even with spaces and quotes in values")
    func details() throws {
        let failed = try JobDetails(parsing: try fixture("scontrol-failed.txt"))
        #expect(failed.jobID == "2" && failed.state == .failed && failed.reason == "NonZeroExitCode")
        #expect(failed.exitCode?.status == 3 && failed.exitCode?.signal == 0)
        #expect(failed.standardOutput == "/tmp/slurmcap/b.log")
        #expect(failed.fields["Command"] == "/tmp/slurmcap/job.sh sh -c echo hi; exit 3")
        #expect(failed.fields["CPUs/Task"] == "1" && failed.fields["AllocNode:Sid"] == "localhost:8732")

        let running = try JobDetails(parsing: try fixture("scontrol-running.txt"))
        #expect(running.state == .running && running.fields["JobName"] == #"odd"$(x);y"#)
        let cancelled = try JobDetails(parsing: try fixture("scontrol-cancelled.txt"))
        #expect(cancelled.state == .cancelled && cancelled.exitCode?.signal == 15)
        let orphan = try JobDetails(parsing: try fixture("scontrol-dependency-failed.txt"))
        #expect(orphan.state == .cancelled && orphan.reason == "DependencyNeverSatisfied")
        #expect(orphan.fields["Dependency"] == "afterok:4(failed)")
    }

    @Test("scontrol output without a job is an error")
    func notAJob() {
        #expect(throws: SlurmError.self) { try JobDetails(parsing: "slurm_load_jobs error: Invalid job id specified") }
    }

    @Test("sbatch --parsable prints the job id, with or without a cluster name")
    func submitted() throws {
        #expect(try parseSubmittedJobID("12\n") == "12")
        #expect(try parseSubmittedJobID("345;pipe-local\n") == "345")
        #expect(throws: SlurmError.self) { try parseSubmittedJobID("sbatch: error: Batch job submission failed\n") }
    }

    @Test("a batch request passes every value as one argument and escapes % in the log path")
    func request() {
        var request = BatchRequest(
            name: #"a"b;$(rm -rf x)"#, script: "/c/run stage.sh", scriptArguments: ["pipe", "run-stage", "my manifest.json", "a;b"],
            log: "/c/50%/a.log", workingDirectory: "/c/my folder")
        request.afterOK = ["3", "4"]
        request.tasks = 2
        request.cpusPerTask = 4
        request.memory = "8G"
        request.time = "1:00:00"
        request.nodes = 1
        request.partition = "gpu"
        #expect(request.arguments == [
            "--parsable", #"--job-name=a"b;$(rm -rf x)"#, "--output=/c/50%%/a.log", "--chdir=/c/my folder", "--ntasks=2",
            "--dependency=afterok:3:4", "--partition=gpu", "--cpus-per-task=4", "--mem=8G", "--time=1:00:00",
            "--nodes=1", "/c/run stage.sh", "pipe", "run-stage", "my manifest.json", "a;b",
        ])
    }

    @Test("job states read as phrases and know whether they are over")
    func states() {
        #expect(JobState(slurm: "CANCELLED by 0") == .cancelled)
        #expect(JobState.outOfMemory.phrase == "out of memory")
        #expect(JobState.timeout.isFinished && !JobState.pending.isFinished && !JobState.cancelled.hasStarted)
    }
}
