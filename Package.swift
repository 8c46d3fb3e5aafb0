// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Breakwater",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11)],
    products: [
        .library(name: "Breakwater", targets: ["Breakwater"]),
        .library(name: "BreakwaterMetrics", targets: ["BreakwaterMetrics"]),
        .library(name: "BreakwaterHTTP", targets: ["BreakwaterHTTP"]),
        // The listener over TLS, a product of its own so that a service without TLS never builds
        // BoringSSL.
        .library(name: "BreakwaterHTTPTLS", targets: ["BreakwaterHTTPTLS"]),
        // Exemplars from swift-distributed-tracing's ServiceContext.
        .library(name: "BreakwaterTracing", targets: ["BreakwaterTracing"]),
        // The breaker metrics contract through whatever swift-metrics backend the application
        // bootstrapped (swift-prometheus, swift-otel, ...): needs neither the collector nor NIO.
        .library(name: "BreakwaterSwiftMetrics", targets: ["BreakwaterSwiftMetrics"]),
        // Breakers for outbound calls, one product per client library, so that a user fetches only
        // the client it uses.
        .library(name: "BreakwaterOpenAPI", targets: ["BreakwaterOpenAPI"]),
        .library(name: "BreakwaterAsyncHTTPClient", targets: ["BreakwaterAsyncHTTPClient"]),
        .executable(name: "breakwater-demo", targets: ["BreakwaterDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
        // BreakwaterHTTPTLS's web configuration file.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Only for BreakwaterSwiftMetricsTests: a package that depends on Breakwater does not fetch it.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `swift package generate-documentation`: the DocC catalogs in Sources/*/Docs.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // The outbound integrations, BreakwaterOpenAPI and BreakwaterAsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Only for BreakwaterOpenAPITests: the middleware in front of a real transport.
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
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
        .target(
            name: "BreakwaterHTTPTLS",
            dependencies: [
                "Breakwater",
                "BreakwaterHTTP",
                "BreakwaterMetrics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BreakwaterTracing",
            dependencies: [
                "BreakwaterMetrics",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ]
        ),
        .target(
            name: "BreakwaterOpenAPI",
            dependencies: [
                "Breakwater",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "BreakwaterAsyncHTTPClient",
            dependencies: [
                "Breakwater",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "BreakwaterDemo",
            dependencies: [
                "Breakwater",
                "BreakwaterHTTP",
                "BreakwaterHTTPTLS",
                "BreakwaterTracing",
                "BreakwaterMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ]
        ),
        .testTarget(
            name: "BreakwaterTracingTests",
            dependencies: [
                "Breakwater",
                "BreakwaterMetrics",
                "BreakwaterTracing",
                "BreakwaterTestSupport",
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BreakwaterTests",
            dependencies: ["Breakwater", "BreakwaterTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "BreakwaterTestSupport",
            dependencies: [
                "Breakwater",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ],
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
                "BreakwaterHTTPTLS",
                "BreakwaterTestSupport",
                "BreakwaterTracing",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "BreakwaterOutboundTestSupport",
            dependencies: [
                "Breakwater",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/BreakwaterOutboundTestSupport"
        ),
        .testTarget(
            name: "BreakwaterOpenAPITests",
            dependencies: [
                "BreakwaterOpenAPI",
                "BreakwaterOutboundTestSupport",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "BreakwaterAsyncHTTPClientTests",
            dependencies: [
                "BreakwaterAsyncHTTPClient",
                "BreakwaterOutboundTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
