import ArgumentParser
import Foundation
import JSON
import PipeCache
import PipeCore

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Manage the artifact store.",
        subcommands: [List.self, DiskUsage.self, Collect.self, Verify.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(name: .long, help: "The cache folder (default: .pipe in the current folder).")
        var cache: String = ".pipe"

        func open() throws -> ArtifactStore {
            let url = URL(fileURLWithPath: cache).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("keys").path) else {
                throw ValidationError("\(cache) is not a pipe cache (no keys/ folder); pass --cache DIR")
            }
            return try ArtifactStore(root: url)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List stored artifacts.")
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let entries = try store.open().entries()
            if json {
                try printJSON(["entries": entries])
                return
            }
            for entry in entries {
                print(
                    "\(entry.key.prefix(12))  \(entry.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                        + "\(entry.type.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                        + "\(formatBytes(entry.compressedBytes).padding(toLength: 9, withPad: " ", startingAt: 0)) "
                        + "\(ISO8601DateFormatter().string(from: entry.created))  digest \(entry.digest.short)")
            }
            print("\(entries.count) artifacts")
        }
    }

    struct DiskUsage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "du", abstract: "Bytes used by the store.")
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try store.open()
            let entries = opened.entries()
            let total = opened.diskUsage()
            let stored = entries.reduce(0) { $0 + $1.bytes }
            if json {
                try printJSON(["bytes_on_disk": total, "artifacts": entries.count, "uncompressed_bytes": stored])
            } else {
                print(
                    "\(formatBytes(total)) on disk in \(opened.root.path), "
                        + "\(entries.count) artifacts (\(formatBytes(stored)) uncompressed)")
            }
        }
    }

    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove artifacts that no given manifest uses (default: the manifests under the current folder)."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "Manifests whose current stages to keep.") var manifests: [String] = []
        @Flag(name: .long, help: "Only say what would be removed.") var dryRun = false
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try store.open()
            let lock = try FileLock(url: opened.storeLockURL)
            try await lock.lock(.exclusive) {
                printError("waiting for running pipelines to finish with \(opened.root.path)")
            }
            defer { lock.unlock() }
            let urls =
                manifests.isEmpty
                ? Self.manifestsUnderCurrentFolder() : manifests.map { URL(fileURLWithPath: $0).standardizedFileURL }
            var keep = Set<String>()
            let loader = ManifestLoader(registry: StageCatalog.registry)
            for url in urls {
                guard let pipeline = try? loader.load(url) else {
                    if !manifests.isEmpty { printError("\(url.path): not a valid manifest; nothing of it is kept") }
                    continue
                }
                guard pipeline.cacheFolder.path == opened.root.path,
                    let plan = try? Plan(pipeline, digests: FileDigests(store: opened))
                else { continue }
                keep.formUnion(plan.keys.values)
            }
            let (removed, bytes) = opened.collectGarbage(keeping: keep, dryRun: dryRun)
            let superseded = SubmittedJobs.supersededFolders(in: opened)
            if !dryRun { for folder in superseded { try? FileManager.default.removeItem(at: folder) } }
            if json {
                try printJSON(
                    CollectResult(
                        removed: removed.map(\.key), bytes: bytes, dry_run: dryRun, job_folders: superseded.count))
                return
            }
            for entry in removed {
                print("\(dryRun ? "would remove" : "removed") \(entry.key.prefix(12)) \(entry.kind) \(entry.type)")
            }
            print(
                "\(dryRun ? "would free" : "freed") \(formatBytes(bytes)) (\(removed.count) artifacts; "
                    + "kept \(keep.count) keys of \(urls.count) manifests)")
            if !superseded.isEmpty {
                print("\(dryRun ? "would remove" : "removed") \(superseded.count) folders of superseded Slurm job logs")
            }
        }

        struct CollectResult: Encodable {
            var removed: [String]
            var bytes: Int
            var dry_run: Bool
            /// Folders of superseded Slurm job logs.
            var job_folders: Int
        }

        static func manifestsUnderCurrentFolder() -> [URL] {
            let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            guard
                let walker = FileManager.default.enumerator(
                    at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
            else { return [] }
            var out: [URL] = []
            for case let url as URL in walker {
                if url.lastPathComponent == "node_modules" || url.lastPathComponent.hasPrefix(".build") {
                    walker.skipDescendants()
                }
                if url.pathExtension == "json", walker.level <= 4 { out.append(url.standardizedFileURL) }
            }
            return out
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every key entry and stored artifact against its digest; remove what is proven corrupt.",
            discussion: "Writes nothing else. Exits 1 if anything is corrupt or could not be "
                + "checked (an I/O error, permissions); what could not be checked is kept."
        )
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        struct Problem: Encodable { var key: String; var status: String; var reason: String; var removed: Bool }
        struct VerifyResult: Encodable {
            var checked: Int; var corrupt: [String]; var unchecked: [String]; var problems: [Problem]
        }

        func run() async throws {
            let findings = try store.open().verifyAll()
            let corrupt = findings.filter { $0.status == .corrupt }
            let unchecked = findings.filter { $0.status == .unchecked }
            if json {
                let problems = (corrupt + unchecked).map {
                    Problem(key: $0.key, status: $0.status.rawValue, reason: $0.reason ?? "", removed: $0.removed)
                }
                try printJSON(
                    VerifyResult(
                        checked: findings.count, corrupt: corrupt.map(\.key), unchecked: unchecked.map(\.key),
                        problems: problems))
            } else {
                for finding in corrupt + unchecked {
                    let what = finding.entry.map { " \($0.kind) \($0.type)" } ?? ""
                    let label =
                        finding.status == .corrupt
                        ? (finding.removed ? "corrupt (removed)" : "corrupt (could not remove)") : "could not check"
                    printError("\(label): \(finding.key.prefix(12))\(what): \(finding.reason ?? "")")
                }
                var summary = "\(findings.count) artifacts checked, \(corrupt.count) corrupt"
                if corrupt.contains(where: \.removed) { summary += " (removed; the next run recomputes them)" }
                if !unchecked.isEmpty {
                    summary += ", \(unchecked.count) could not be checked (kept; see the reasons above)"
                }
                print(summary)
            }
            if !corrupt.isEmpty || !unchecked.isEmpty { throw ExitCodes.failedRun }
        }
    }
}
