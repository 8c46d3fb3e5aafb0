import Testing

@testable import BreakwaterMetrics

@Suite("Registering metrics")
struct RegistrationTests {
    /// What registering with `body` throws, or `nil` when it succeeds.
    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as MetricsRegistrationError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("invalid metric names are rejected with the rule", arguments: ["", "1abc", "a-b", "a:b", "é", "a b"])
    func invalidMetricNames(name: String) {
        let collector = MetricsCollector(processMetrics: false)
        let error = message { _ = try collector.gauge(name: name, help: "") }
        #expect(error?.contains("[a-zA-Z_][a-zA-Z0-9_]*") == true)
    }

    @Test("invalid, reserved and duplicate label names are rejected")
    func labelNames() {
        let collector = MetricsCollector(processMetrics: false)
        #expect(message { _ = try collector.gauge(name: "g", help: "", labelNames: ["__name"]) }?.contains("reserved") == true)
        #expect(message { _ = try collector.gauge(name: "g", help: "", labelNames: ["a-b"]) }?.contains("invalid") == true)
        #expect(message { _ = try collector.gauge(name: "g", help: "", labelNames: ["a", "a"]) }?.contains("twice") == true)
        #expect(message { _ = try collector.histogram(name: "h", help: "", labelNames: ["le"]) }?.contains("reserved") == true)
        #expect(message { _ = try collector.gauge(name: "g", help: "", labelNames: ["le"]) } == nil, "le is only reserved on histograms")
    }

    @Test("registering the same metric again returns it; with another type, help or labels it fails")
    func reregistration() throws {
        let collector = MetricsCollector(processMetrics: false)
        let first = try collector.counter(name: "calls_total", help: "Calls.", labelNames: ["circuit"])
        #expect(try collector.counter(name: "calls", help: "Calls.", labelNames: ["circuit"]) === first)
        #expect(message { _ = try collector.gauge(name: "calls", help: "Calls.", labelNames: ["circuit"]) }?.contains("already registered") == true)
        #expect(message { _ = try collector.counter(name: "calls_total", help: "Other.", labelNames: ["circuit"]) } != nil)
        #expect(message { _ = try collector.counter(name: "calls_total", help: "Calls.", labelNames: ["service"]) } != nil)
        #expect(message { _ = try collector.floatingCounter(name: "calls_total", help: "Calls.", labelNames: ["circuit"]) } != nil)
    }

    @Test("names that collide once suffixes are added are rejected")
    func suffixCollisions() throws {
        let collector = MetricsCollector(processMetrics: false)
        _ = try collector.counter(name: "x", help: "")
        #expect(message { _ = try collector.gauge(name: "x_total", help: "") }?.contains("\"x_total\"") == true)
        _ = try collector.histogram(name: "latency", help: "")
        #expect(message { _ = try collector.gauge(name: "latency_count", help: "") } != nil)
        #expect(message { _ = try collector.gauge(name: "latency_bucket", help: "") } != nil)
        _ = try collector.gauge(name: "size_count", help: "")
        #expect(message { _ = try collector.histogram(name: "size", help: "") } != nil)
        _ = try collector.info(name: "build", help: "")
        #expect(message { _ = try collector.gauge(name: "build_info", help: "") } != nil)
        #expect(message { _ = try collector.gauge(name: "build", help: "") } != nil, "OpenMetrics names the info family build")
    }

    @Test("histogram buckets must be finite and increase")
    func buckets() throws {
        let collector = MetricsCollector(processMetrics: false)
        #expect(message { _ = try collector.histogram(name: "a", help: "", buckets: []) } != nil)
        #expect(message { _ = try collector.histogram(name: "b", help: "", buckets: [1, 1]) }?.contains("increasing") == true)
        #expect(message { _ = try collector.histogram(name: "c", help: "", buckets: [1, .nan]) }?.contains("finite") == true)
        _ = try collector.histogram(name: "d", help: "", buckets: [1, 2, .infinity])
        #expect(HistogramBuckets.exponential(start: 1, factor: 2, count: 4) == [1, 2, 4, 8])
    }

    @Test("the wrong number of label values is an error, not a crash")
    func labelCount() throws {
        let collector = MetricsCollector(processMetrics: false)
        let family = try collector.gauge(name: "g", help: "", labelNames: ["a", "b"])
        #expect(message { _ = try family.labels("only one") }?.contains("take 2 values; got 1") == true)
        #expect(!family.remove(labels: "x"))
    }

    @Test("the same label values give the same series, compared byte for byte")
    func seriesIdentity() throws {
        let family = try MetricsCollector(processMetrics: false).gauge(name: "g", help: "", labelNames: ["city"])
        #expect(try family.labels("zürich") === family.labels("zürich"))
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        #expect(try family.labels(composed) !== family.labels(decomposed), "Prometheus keeps the two spellings apart")
    }
}
