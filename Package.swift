// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Breakwater",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11)],
    products: [
        .library(name: "Breakwater", targets: ["Breakwater"]),
        .library(name: "BreakwaterMetrics", targets: ["BreakwaterMetrics"]),
        .library(name: "BreakwaterHTTP", targets: ["BreakwaterHTTP"]),
        // The breaker metrics contract through whatever swift-metrics backend the application
        // bootstrapped (swift-prometheus, swift-otel, ...): needs neither the collector nor NIO.
        .library(name: "BreakwaterSwiftMetrics", targets: ["BreakwaterSwiftMetrics"]),
        .executable(name: "breakwater-demo", targets: ["BreakwaterDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Only for BreakwaterSwiftMetricsTests: a package that depends on Breakwater does not fetch it.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `swift package generate-documentation`: the DocC catalogs in Sources/*/Docs.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Breakwater",
            dependencies: ["CBreakwaterThreads", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "CBreakwaterThreads"),
        .target(
            name: "BreakwaterMetrics",
            dependencies: [
                "Breakwater",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BreakwaterSwiftMetrics",
            dependencies: [
                "Breakwater",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "BreakwaterHTTP",
            dependencies: [
                "Breakwater",
                "BreakwaterMetrics",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "BreakwaterDemo",
            dependencies: [
                "Breakwater",
                "BreakwaterHTTP",
                "BreakwaterMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BreakwaterTests",
            dependencies: ["Breakwater", "BreakwaterTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "BreakwaterTestSupport",
            path: "Tests/BreakwaterTestSupport",
            exclude: ["parse_exposition.py"]
        ),
        .testTarget(
            name: "BreakwaterMetricsTests",
            dependencies: [
                "BreakwaterMetrics",
                "BreakwaterTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BreakwaterSwiftMetricsTests",
            dependencies: [
                "BreakwaterSwiftMetrics",
                // The collector binding, to compare against.
                "BreakwaterMetrics",
                "BreakwaterTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BreakwaterHTTPTests",
            dependencies: [
                "BreakwaterHTTP",
                "BreakwaterTestSupport",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
