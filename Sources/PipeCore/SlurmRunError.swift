/// Why a pipeline could not be run as Slurm jobs.
public enum SlurmRunError: Error, CustomStringConvertible, Equatable {
    /// The cache path has a backslash, which sbatch drops from the jobs' log paths.
    case unusableCachePath(String)
    /// The cluster job cannot see the cache the submitter wrote: it is not on a shared filesystem.
    case cacheNotShared(marker: String, host: String)

    public var description: String {
        switch self {
        case let .unusableCachePath(path):
            return "the cache folder \(path) has a backslash, which sbatch drops from log paths; "
                + "set the manifest's \"cache\" to a folder without one"
        case let .cacheNotShared(marker, host):
            return "this node (\(host)) cannot see the cache: \(marker), written by the submitting `pipe run`, "
                + "is missing. The cache and the manifest's folder must be on a filesystem every node sees "
                + "(NFS, Lustre, ...): see docs/cluster.md"
        }
    }
}
