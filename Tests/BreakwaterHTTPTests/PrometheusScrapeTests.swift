import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import BreakwaterTestSupport
import Logging
import Testing

/// A real Prometheus (Debian's 2.42, `/usr/bin/prometheus`) scrapes a ``MetricsServer`` every
/// second, and what it stored is read back through its HTTP API: the whole way from a call through
/// a breaker to a number in Prometheus, over the wire Prometheus itself negotiates.
///
/// The server, the breakers and Prometheus are set up once for the suite (see
/// ``ScrapedByPrometheus``): Prometheus hands a new target to its scraper only after its service
/// discovery's 5-second update interval, too long to pay for every test.
@Suite("A real Prometheus scrapes the listener", .scrapedByPrometheus)
struct PrometheusScrapeTests {
    private var scenario: ScrapeScenario {
        get throws { try #require(ScrapeScenario.current, "the suite runs inside ScrapedByPrometheus") }
    }

    @Test func prometheusReportsTheTargetUp() async throws {
        let scenario = try scenario
        let prometheus = scenario.prometheus
        // A scrape can miss its 1-second timeout on a loaded machine (the suite also runs under
        // ThreadSanitizer); Prometheus scrapes again a second later, and one success proves the way.
        let target = try await prometheus.eventually("the target is up") {
            try await prometheus.activeTargets().first {
                $0.labels["job"] == ScrapeScenario.job && $0.health == "up"
            }
        }
        #expect(target.lastError == "")
        #expect(target.scrapeUrl == "http://127.0.0.1:\(scenario.serverPort)/metrics")
        let up = try await prometheus.eventually(#"up{job="breakwater"}"#, satisfies: "is 1") { $0.map(\.value) == [1] }
        #expect(up.map(\.value) == [1])
    }

    @Test func prometheusIngestsTheScrapedSamples() async throws {
        let prometheus = try scenario.prometheus
        let scraped = try await prometheus.eventually(
            #"scrape_samples_scraped{job="breakwater"}"#, satisfies: "has a sample above 0"
        ) { !$0.isEmpty && $0.allSatisfy { $0.value > 0 } }
        #expect(scraped.count == 1)
        #expect(scraped.allSatisfy { $0.value > 0 }, "\(scraped)")
    }

    @Test func callCountsArriveExactlyPerCircuitAndOutcome() async throws {
        let prometheus = try scenario.prometheus
        let samples = try await prometheus.eventually(
            #"circuit_breaker_calls_total{job="breakwater"}"#, satisfies: "has both circuits' five outcomes"
        ) { $0.count == 10 }
        let counts = Dictionary(
            samples.map { ("\($0.labels["circuit"] ?? "?")/\($0.labels["outcome"] ?? "?")", $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        #expect(counts == [
            "payments/success": 7, "payments/failure": 3, "payments/timeout": 0,
            "payments/ignored": 0, "payments/rejected": 0,
            "inventory/success": 0, "inventory/failure": 5, "inventory/timeout": 0,
            "inventory/ignored": 0, "inventory/rejected": 1,
        ])
    }

    @Test func callDurationHistogramCountsEveryTimedCall() async throws {
        let prometheus = try scenario.prometheus
        let query = #"circuit_breaker_call_duration_seconds_count{circuit="payments",outcome="success"}"#
        let count = try await prometheus.eventually(query, satisfies: "has a sample") { !$0.isEmpty }
        #expect(count.map(\.value) == [7])
        let infinityBucket = try await prometheus.eventually(
            #"circuit_breaker_call_duration_seconds_bucket{circuit="payments",outcome="success",le="+Inf"}"#,
            satisfies: "has a sample"
        ) { !$0.isEmpty }
        #expect(infinityBucket.map(\.value) == [7])
    }

    @Test func trippedCircuitReadsOpenAndTheHealthyOneClosed() async throws {
        let prometheus = try scenario.prometheus
        let samples = try await prometheus.eventually(
            #"circuit_breaker_state{job="breakwater"}"#, satisfies: "has both circuits' six states"
        ) { $0.count == 12 }
        let states = Dictionary(
            samples.map { ("\($0.labels["circuit"] ?? "?")/\($0.labels["state"] ?? "?")", $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        #expect(states["inventory/open"] == 1)
        #expect(states["payments/closed"] == 1)
        #expect(states.values.reduce(0, +) == 2, "one state per circuit is 1, the others 0: \(states)")
    }

    @Test func prometheusIsServedGzipAndItsScrapesAreCounted() async throws {
        let prometheus = try scenario.prometheus
        // The listener counts a scrape after rendering it, so the counts show from the second
        // scrape on. Nothing but Prometheus requests /metrics in this suite.
        let bytes = try await prometheus.eventually(
            #"breakwater_scrape_response_bytes_total{job="breakwater"}"#, satisfies: "counts gzip bytes"
        ) { samples in samples.contains { $0.labels["encoding"] == "gzip" && $0.value > 0 } }
        #expect(bytes.allSatisfy { $0.labels["encoding"] == "gzip" }, "no identity body was sent: \(bytes)")
        let requests = try await prometheus.eventually(
            #"breakwater_scrape_requests_total{job="breakwater"}"#, satisfies: "counts a 200"
        ) { samples in samples.contains { $0.labels["code"] == "200" && $0.value >= 1 } }
        // 503 exists from the start at 0, as in promhttp; no other code may appear.
        #expect(requests.allSatisfy { $0.labels["code"] == "200" || ($0.labels["code"] == "503" && $0.value == 0) },
                "every scrape succeeded: \(requests)")
    }

    /// Prometheus keeps a family's metadata under the name its `# TYPE` line gave: OpenMetrics
    /// names a counter family without `_total`, the text format with it. So metadata under
    /// `circuit_breaker_calls` shows that Prometheus negotiated OpenMetrics and parsed it. (The
    /// negotiation itself, with Prometheus's exact `Accept` header, is covered by
    /// `MetricsPathTests`.)
    @Test func prometheusNegotiatesOpenMetrics() async throws {
        let prometheus = try scenario.prometheus
        let metadata = try await prometheus.eventually("Prometheus has metadata for circuit_breaker_calls") {
            let entries = try await prometheus.metadata(family: "circuit_breaker_calls")
            return entries.isEmpty ? nil : entries
        }
        #expect(metadata.map(\.type) == ["counter"])
        #expect(try await prometheus.metadata(family: "circuit_breaker_calls_total").isEmpty)
    }
}

// MARK: - The scenario

/// Two circuits with known calls, bound to a collector that a ``MetricsServer`` on an ephemeral
/// port serves, scraped every second by a real Prometheus:
/// - `payments`: 7 successes and 3 failures, closed;
/// - `inventory`: 5 failures in a row open it, then 1 call is rejected.
///
/// The breakers run on a ``ManualClock`` that never moves, so `inventory` stays open however long
/// the suite takes, and every call takes no time.
final class ScrapeScenario: Sendable {
    /// The scenario of the suite running in this task.
    @TaskLocal static var current: ScrapeScenario?

    /// The scrape job's name in Prometheus.
    static let job = "breakwater"

    let prometheus: RealPrometheus
    let serverPort: Int

    private init(prometheus: RealPrometheus, serverPort: Int) {
        self.prometheus = prometheus
        self.serverPort = serverPort
    }

    /// Sets the scenario up, runs `body` with it, and tears it down however `body` ends.
    static func run(_ body: (ScrapeScenario) async throws -> Void) async throws {
        let collector = MetricsCollector()
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 5),
            clock: ManualClock(),
            logger: Logger(label: "breakwater.test") { _ in SwiftLogNoOpLogHandler() }
        )
        try collector.recordMetrics(of: registry)
        try makeKnownCalls(in: registry)
        try await withServer(collector: collector, registry: registry) { _, port in
            try await withPrometheus(scrapingPort: port, job: job) { prometheus in
                try await body(ScrapeScenario(prometheus: prometheus, serverPort: port))
            }
        }
    }

    private struct DependencyFailure: Error {}

    private static func makeKnownCalls(in registry: CircuitBreakerRegistry) throws {
        let payments = try registry.breaker(named: "payments")
        for call in 0..<10 {
            // Failures at calls 2, 5 and 8: never two in a row, so payments stays closed.
            _ = try? payments.run { () throws(DependencyFailure) in
                if call % 3 == 2 { throw DependencyFailure() }
            }
        }
        let inventory = try registry.breaker(named: "inventory")
        for _ in 0..<5 {
            _ = try? inventory.run { () throws(DependencyFailure) in throw DependencyFailure() }
        }
        _ = try? inventory.run {}
        try #require(payments.state == .closed)
        try #require(inventory.state == .open)
    }
}

/// Runs a suite inside one ``ScrapeScenario``, set up before its first test and torn down
/// (Prometheus stopped, its directory removed, the server stopped) after its last.
struct ScrapedByPrometheus: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ScrapeScenario.run { scenario in
            try await ScrapeScenario.$current.withValue(scenario) {
                try await function()
            }
        }
    }
}

extension Trait where Self == ScrapedByPrometheus {
    /// Runs the suite in a ``ScrapeScenario``.
    static var scrapedByPrometheus: Self { Self() }
}
