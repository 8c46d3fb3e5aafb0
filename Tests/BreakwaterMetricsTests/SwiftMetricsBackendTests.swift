import CoreMetrics
import Logging
import Testing

@testable import BreakwaterMetrics

@Suite("swift-metrics backend")
struct SwiftMetricsBackendTests {
    let collector = MetricsCollector(processMetrics: false, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })

    private var lines: Set<String> {
        Set(collector.render(.prometheusText).split(separator: "\n").map(String.init))
    }

    @Test("counters, meters, recorders and timers map to Prometheus types")
    func types() {
        CoreMetrics.Counter(label: "requests", dimensions: [("method", "GET")], factory: collector).increment(by: 3)
        CoreMetrics.FloatingPointCounter(label: "bytes", factory: collector).increment(by: 1.5)
        CoreMetrics.Meter(label: "connections", factory: collector).set(Int64(7))
        CoreMetrics.Recorder(label: "last_size", aggregate: false, factory: collector).record(Int64(42))
        CoreMetrics.Recorder(label: "sizes", factory: collector).record(0.3)
        CoreMetrics.Timer(label: "handler_latency", dimensions: [("route", "/")], factory: collector).recordMilliseconds(20)
        let lines = lines
        #expect(lines.contains("# TYPE requests_total counter"))
        #expect(lines.contains(#"requests_total{method="GET"} 3"#))
        #expect(lines.contains("bytes_total 1.5"))
        #expect(lines.contains("# TYPE connections gauge"))
        #expect(lines.contains("connections 7"))
        #expect(lines.contains("last_size 42"))
        #expect(lines.contains("# TYPE sizes histogram"))
        #expect(lines.contains(#"sizes_bucket{le="0.5"} 1"#))
        #expect(lines.contains("# TYPE handler_latency histogram"))
        #expect(lines.contains(#"handler_latency_bucket{route="/",le="0.025"} 1"#))
        #expect(lines.contains(#"handler_latency_sum{route="/"} 0.02"#))
    }

    @Test("invalid names and dimensions are sanitised the same way every time")
    func sanitising() {
        let first = collector.makeCounter(label: "http.requests-total", dimensions: [("__reserved", "a"), ("9lives", "b"), ("a.b", "c"), ("a_b", "d")])
        let again = collector.makeCounter(label: "http.requests-total", dimensions: [("__reserved", "a"), ("9lives", "b"), ("a.b", "c"), ("a_b", "d")])
        first.increment(by: 1)
        again.increment(by: 1)
        #expect(lines.contains(#"http_requests_total_total{_9lives="b",_reserved="a",a_b="c",a_b_="d"} 2"#))
        _ = collector.makeTimer(label: "t", dimensions: [("le", "x")])
        #expect(collector.render(.prometheusText).contains(#"t_bucket{le_="x",le="0.001"} 0"#))
    }

    @Test("destroying a handler removes its series")
    func destroy() {
        let counter = collector.makeCounter(label: "jobs", dimensions: [("queue", "a")])
        counter.increment(by: 1)
        #expect(lines.contains(#"jobs_total{queue="a"} 1"#))
        collector.destroyCounter(counter)
        #expect(!collector.render(.prometheusText).contains("queue=\"a\""))
    }

    @Test("a label taken by a metric of another type gets a handler that discards, without crashing")
    func conflicts() throws {
        _ = try collector.gauge(name: "taken", help: "Registered directly.")
        let counter = collector.makeCounter(label: "taken", dimensions: [])
        counter.increment(by: 5)
        #expect(lines.contains("taken 0"))
        #expect(!collector.render(.prometheusText).contains("taken_total"))
    }

    @Test("counter resets go to zero and negative increments are ignored")
    func counterSemantics() {
        let counter = collector.makeCounter(label: "c", dimensions: [])
        counter.increment(by: 4)
        counter.increment(by: -2)
        #expect(lines.contains("c_total 4"))
        counter.reset()
        #expect(lines.contains("c_total 0"))
    }
}
