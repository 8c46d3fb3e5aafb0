// swift-tools-version: 6.3
// 6.3, not the library's 6.2: ordo-one/benchmark 1.38.1 declares tools version 6.3.
import PackageDescription

// Benchmarks for Breakwater, in a package of their own so that the library's users never resolve
// the benchmark framework. Run them with `Scripts/bench` from the repository root.
//
// The root package is named explicitly: a path dependency is otherwise known by its folder's name,
// which is whatever the repository was cloned into.
let package = Package(
    name: "BreakwaterBenchmarks",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11)],
    products: [
        // A /metrics listener with N synthetic circuits, for Scripts/bench-scrape to load with wrk.
        // Its folder is not directly under Benchmarks/: the benchmark plugin runs every executable
        // target there as a benchmark.
        .executable(name: "scrape-target", targets: ["ScrapeTarget"]),
    ],
    dependencies: [
        .package(name: "Breakwater", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Only for comparison: the metrics benchmarks run BreakwaterMetrics beside it.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
    ],
    targets: [
        .executableTarget(
            name: "BreakerBenchmarks",
            dependencies: [
                .product(name: "Breakwater", package: "Breakwater"),
                .product(name: "BreakwaterMetrics", package: "Breakwater"),
                .product(name: "BreakwaterSwiftMetrics", package: "Breakwater"),
                .product(name: "BreakwaterTracing", package: "Breakwater"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/BreakerBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "ScrapeTarget",
            dependencies: [
                .product(name: "Breakwater", package: "Breakwater"),
                .product(name: "BreakwaterMetrics", package: "Breakwater"),
                .product(name: "BreakwaterHTTP", package: "Breakwater"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tools/ScrapeTarget"
        ),
    ],
    swiftLanguageModes: [.v6]
)
