// swift-tools-version:6.0
// Agora's examples: packages of one's own, built against this checkout. A forest fire on the
// grid (a model), a mean-reversion trader (a trader kind for the market), and an executable that
// registers both and gets every `agora` subcommand for them.
import Foundation
import PackageDescription

// The checkout this folder sits in; its package identity is its folder's name.
let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let agora = checkout.lastPathComponent.lowercased()

let package = Package(
    name: "AgoraExamples",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: checkout.path)],
    targets: [
        .target(name: "ForestFire", dependencies: [.product(name: "Agora", package: agora)]),
        .target(name: "MeanReversion", dependencies: [.product(name: "Agora", package: agora)]),
        .executableTarget(name: "agora-examples", dependencies: ["ForestFire", "MeanReversion", .product(name: "Agora", package: agora)]),
        .testTarget(name: "ExamplesTests", dependencies: ["ForestFire", "MeanReversion", "agora-examples", .product(name: "Agora", package: agora)]),
    ]
)
