// swift-tools-version:6.0
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "AgentNet",
    products: [
        // MARK: The Swift engine, usable on its own.
        .library(name: "AgentNet", targets: ["AgentNet"]),
        // MARK: The C ABI (include/agentnet.h) loaded by the Python package.
        .library(name: "agentnet", type: .dynamic, targets: ["AgentNetC"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(name: "AgentNet", dependencies: ["CBLAS"], swiftSettings: optimize),
        .target(name: "AgentNetC", dependencies: ["AgentNet"], swiftSettings: optimize),
        // MARK: Tests
        .target(name: "AgentNetTestSupport", dependencies: ["AgentNet"], path: "Tests/AgentNetTestSupport"),
        .testTarget(name: "AgentNetTests", dependencies: ["AgentNet", "AgentNetC", "AgentNetTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
