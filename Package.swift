// swift-tools-version:6.0
// Agora: a Swift engine for large-scale agent-based simulation.
// Module layout follows ARCHITECTURE.md: one module per concept, dependencies point one way.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Agora",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "agora", targets: ["agora"]),
        .library(name: "AgoraCore", targets: ["AgoraCore"]),
        .library(name: "AgoraEngine", targets: ["AgoraEngine"]),
        .library(name: "AgoraExchange", targets: ["AgoraExchange"]),
        .library(name: "AgoraLog", targets: ["AgoraLog"]),
        .library(name: "AgoraCatalog", targets: ["AgoraCatalog"]),
        .library(name: "AgoraSocial", targets: ["AgoraSocial"]),
        .library(name: "AgoraModels", targets: ["AgoraModels"]),
        .library(name: "AgoraScenario", targets: ["AgoraScenario"]),
        .library(name: "AgoraLLM", targets: ["AgoraLLM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "AgoraCore", swiftSettings: strict),
        .target(name: "AgoraCatalog", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "AgoraCompression", dependencies: ["CZstd"], swiftSettings: strict),
        .target(name: "AgoraEngine", dependencies: ["AgoraCore"], swiftSettings: strict),
        .target(name: "AgoraLog", dependencies: ["AgoraCore", "AgoraCompression", "CZlib"], swiftSettings: strict),
        .target(name: "AgoraExchange", dependencies: ["AgoraCore", "AgoraCompression"], swiftSettings: strict),
        .target(name: "AgoraSocial", dependencies: ["AgoraCore", "AgoraCompression"], swiftSettings: strict),
        .target(name: "AgoraLLM", dependencies: ["AgoraCore"], swiftSettings: strict),
        .target(name: "AgoraModels", dependencies: ["AgoraCore", "AgoraEngine", "AgoraExchange", "AgoraSocial", "AgoraLLM"],
                swiftSettings: strict),
        .target(name: "AgoraScenario",
                dependencies: ["AgoraCore", "AgoraEngine", "AgoraExchange", "AgoraModels", "AgoraSocial", "AgoraLLM",
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        .target(name: "AgoraRuntime",
                dependencies: ["AgoraCore", "AgoraEngine", "AgoraLog", "AgoraCatalog", "AgoraModels", "AgoraScenario", "AgoraLLM"],
                swiftSettings: strict),
        .target(name: "AgoraBench",
                dependencies: ["AgoraCore", "AgoraEngine", "AgoraExchange", "AgoraLog", "AgoraSocial", "AgoraModels"],
                swiftSettings: strict),
        .target(name: "AgoraCLI",
                dependencies: ["AgoraCore", "AgoraEngine", "AgoraExchange", "AgoraLog", "AgoraCatalog", "AgoraModels", "AgoraScenario",
                               "AgoraRuntime", "AgoraSocial",
                               "AgoraBench",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strict),
        .executableTarget(name: "agora", dependencies: ["AgoraCLI"], swiftSettings: strict),

        .testTarget(name: "AgoraCoreTests", dependencies: ["AgoraCore"], swiftSettings: strict),
        .testTarget(name: "AgoraEngineTests", dependencies: ["AgoraCore", "AgoraEngine"], swiftSettings: strict),
        .testTarget(name: "AgoraExchangeTests", dependencies: ["AgoraExchange", "AgoraCore"], swiftSettings: strict),
        .testTarget(name: "AgoraLogTests", dependencies: ["AgoraLog", "AgoraCore"], swiftSettings: strict),
        .testTarget(name: "AgoraCatalogTests", dependencies: ["AgoraCatalog"], swiftSettings: strict),
        .testTarget(name: "AgoraSocialTests", dependencies: ["AgoraSocial", "AgoraCompression"],
                    swiftSettings: strict),
        .testTarget(name: "AgoraModelsTests", dependencies: ["AgoraCore", "AgoraEngine", "AgoraExchange", "AgoraModels", "AgoraSocial",
                                                            "AgoraLLM", "LLMFixture"],
                    swiftSettings: strict),
        .testTarget(name: "AgoraScenarioTests", dependencies: ["AgoraScenario", "AgoraModels", "AgoraLLM"],
                    swiftSettings: strict),
        .testTarget(name: "AgoraRuntimeTests", dependencies: ["AgoraRuntime", "AgoraLog", "AgoraScenario", "AgoraEngine", "AgoraCore",
                                                             "AgoraModels", "AgoraLLM", "LLMFixture"],
                    swiftSettings: strict),
        // A real HTTP server on loopback speaking the OpenAI protocol, for the LLM tests.
        .target(name: "LLMFixture", dependencies: ["AgoraLLM"], path: "Tests/LLMFixture", swiftSettings: strict),
        .testTarget(name: "AgoraLLMTests", dependencies: ["AgoraLLM", "LLMFixture"], swiftSettings: strict),
        .testTarget(name: "AgoraCLITests", dependencies: ["AgoraCLI", "agora", "LLMFixture"],
                    exclude: ["Golden"], swiftSettings: strict),
    ]
)
