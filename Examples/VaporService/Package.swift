// swift-tools-version: 6.2
import PackageDescription

// A Vapor 4 service that calls a flaky dependency through a circuit breaker and serves /metrics
// from its own router. Scripts/test-examples builds it and drives it over HTTP.
//
// Breakwater is named explicitly: a path dependency is otherwise known by its folder's name,
// which is whatever the repository was cloned into.
let package = Package(
    name: "breakwater-vapor-example",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "quote-service", targets: ["QuoteService"]),
    ],
    dependencies: [
        .package(name: "Breakwater", path: "../.."),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "QuoteService",
            dependencies: [
                .product(name: "Breakwater", package: "Breakwater"),
                .product(name: "BreakwaterHTTP", package: "Breakwater"),
                .product(name: "BreakwaterMetrics", package: "Breakwater"),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
