// swift-tools-version:6.0
import PackageDescription

/// `-fno-math-errno` lets `squareRoot()`/`sqrtf` compile to `sqrtps` inside loops (without it every square root is a
/// scalar `sqrtss` with a libm fallback for errno, and the optimizer steps could not vectorise: Adam's step 2.4 →
/// 0.57 ns per element). Results are unchanged: square roots are exact IEEE operations either way.
let optimize: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-Xcc", "-fno-math-errno"])]
/// AgentNetFastMath's own loops are compiled for AVX2 on x86-64; the engine picks them at run time only on CPUs that
/// have it (Sources/AgentNet/Tensor/WideLoops.swift), so the library still runs on any x86-64.
#if arch(x86_64)
let wide: [SwiftSetting] = optimize + [.unsafeFlags(["-Xcc", "-mavx2"])]
#else
let wide: [SwiftSetting] = optimize
#endif

let package = Package(
    name: "AgentNet",
    products: [
        // MARK: The Swift engine, usable on its own.
        .library(name: "AgentNet", targets: ["AgentNet"]),
        // MARK: The C ABI (include/agentnet.h) loaded by the Python package.
        .library(name: "agentnet", type: .dynamic, targets: ["AgentNetC"]),
    ],
    targets: [
        // MXCSR access (flush-to-zero) and dladdr; OpenBLAS itself is not linked but loaded at run time (Platform/BLAS.swift).
        .target(name: "AgentNetPlatform"),
        .target(name: "AgentNetFastMath", swiftSettings: wide),
        .target(name: "AgentNet", dependencies: ["AgentNetPlatform", "AgentNetFastMath"], swiftSettings: optimize),
        .target(name: "AgentNetC", dependencies: ["AgentNet"], swiftSettings: optimize),
        // MARK: Tests
        .target(name: "AgentNetTestSupport", dependencies: ["AgentNet"], path: "Tests/AgentNetTestSupport"),
        // Fixtures/ holds data the tests read from the source tree by path (`#filePath`), so no resource bundle (and
        // no Foundation) is needed.
        .testTarget(name: "AgentNetTests", dependencies: ["AgentNet", "AgentNetC", "AgentNetTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
