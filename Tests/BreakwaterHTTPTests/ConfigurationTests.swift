import BreakwaterMetrics
import Testing
@testable import BreakwaterHTTP

@Suite struct ConfigurationTests {
    @Test func defaultsBindEveryIPv4InterfaceOnPort9465() {
        let configuration = MetricsServerConfiguration()
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9465)
        #expect(configuration.metricsPath == "/metrics")
        #expect(configuration.basicAuthentication == nil)
    }

    @Test func theDefaultsAreValid() throws {
        try MetricsServerConfiguration().validate()
    }

    static let invalid: [(field: String, configure: @Sendable (inout MetricsServerConfiguration) -> Void)] = [
        ("port", { $0.port = -1 }),
        ("port", { $0.port = 65_536 }),
        ("maximumConcurrentScrapes", { $0.maximumConcurrentScrapes = 0 }),
        ("maximumConnections", { $0.maximumConnections = 0 }),
        ("maximumRequestHeadSize", { $0.maximumRequestHeadSize = 100 }),
        ("maximumRequestHeadSize", { $0.maximumRequestHeadSize = 1_000_000 }),
        ("compressionLevel", { $0.compressionLevel = 0 }),
        ("compressionLevel", { $0.compressionLevel = 10 }),
        ("readTimeout", { $0.readTimeout = .zero }),
        ("idleTimeout", { $0.idleTimeout = .seconds(-1) }),
        ("writeTimeout", { $0.writeTimeout = .zero }),
        ("host", { $0.host = "" }),
        ("metricsPath", { $0.metricsPath = "metrics" }),
        ("metricsPath", { $0.metricsPath = "/" }),
        ("metricsPath", { $0.metricsPath = "/circuits" }),
        ("metricsPath", { $0.metricsPath = "/circuits/metrics" }),
        ("manualControl", { $0.manualControl = true }),
        ("operators", { $0.operators = [try! BasicAuthentication(username: "bob", password: "x")] }),
        ("operators", {
            $0.basicAuthentication = try! BasicAuthentication(username: "bob", password: "x")
            $0.manualControl = true
            $0.operators = [try! BasicAuthentication(username: "bob", password: "y")]
        }),
        ("metricsPath", { $0.metricsPath = "/metrics?x" }),
        ("metricsPath", { $0.metricsPath = "/met rics" }),
        ("metricsPath", { $0.metricsPath = "/métriques" }),
    ]

    @Test(arguments: 0..<invalid.count)
    func anInvalidFieldIsNamedInTheError(index: Int) {
        var configuration = MetricsServerConfiguration()
        Self.invalid[index].configure(&configuration)
        let field = Self.invalid[index].field
        #expect {
            try MetricsServer(collector: MetricsCollector(processMetrics: false), configuration: configuration)
        } throws: { error in
            guard case .invalidConfiguration(let named, _, let allowed)? = error as? MetricsServerError else { return false }
            return named == field && !allowed.isEmpty && "\(error)".contains(field)
        }
    }

    @Test func aCollectorHoldingAConflictingFamilyIsReported() throws {
        let collector = MetricsCollector(processMetrics: false)
        _ = try collector.gauge(name: "breakwater_scrape_requests_total", help: "Something else.")
        #expect {
            try MetricsServer(collector: collector)
        } throws: { error in
            guard case .selfMetricsConflict? = error as? MetricsServerError else { return false }
            return "\(error)".contains("breakwater_scrape_requests")
        }
    }

    @Test func twoServersCanShareACollector() throws {
        let collector = MetricsCollector(processMetrics: false)
        _ = try MetricsServer(collector: collector)
        _ = try MetricsServer(collector: collector)
    }
}
