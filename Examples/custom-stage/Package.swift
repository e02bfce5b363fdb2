// swift-tools-version:6.0
// An example of a stage kind written outside the pipe repository: `spellcheck`, added to the
// built-in kinds through the PipeKit library product.
import PackageDescription

let package = Package(
    name: "custom-stage",
    platforms: [.macOS(.v15)],
    dependencies: [
        // In your own package: .package(url: "https://…/pipe", from: "0.1.0")
        .package(name: "pipe", path: "../.."),
    ],
    targets: [
        // The stage kind: a type conforming to PipeKit's Stage protocol.
        .target(name: "SpellCheckStage", dependencies: [.product(name: "PipeKit", package: "pipe")]),
        // `pipe` with the built-in kinds plus `spellcheck`.
        .executableTarget(
            name: "pipe-spellcheck",
            dependencies: ["SpellCheckStage", .product(name: "PipeKit", package: "pipe")]),
    ]
)
