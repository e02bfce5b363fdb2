import JSON

extension Pipeline {
    /// What must hold for the stages to run as Slurm jobs: a stage that starts `processes: N`
    /// ranks (through `srun` inside its job) needs `resources.tasks` of at least N.
    public func slurmIssues() -> [ManifestIssue] {
        stages.compactMap { stage in
            guard let processes = stage.params["processes"]?.intValue, processes > stage.resources.tasks else {
                return nil
            }
            let tasks = stage.resources.tasks
            return ManifestIssue(
                JSONPath.root.key("stages").key(stage.id).key("resources").key("tasks"),
                "the stage runs \(processes) processes (params.processes) but its Slurm job has "
                    + "\(tasks) task\(tasks == 1 ? "" : "s"): set resources.tasks to at least \(processes)")
        }
    }
}
