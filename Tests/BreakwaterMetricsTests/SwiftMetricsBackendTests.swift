// Imports what a service that bootstraps the collector imports: `Metrics` and `BreakwaterMetrics`
// side by side, without `@testable`, so that a public name of ours that clashes with
// swift-metrics' makes this file fail to compile.
import BreakwaterMetrics
import Logging
import Metrics
import Testing

@Suite("swift-metrics backend")
struct SwiftMetricsBackendTests {
    let collector = MetricsCollector(processMetrics: false, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })

    private var lines: Set<String> {
        Set(collector.render(.prometheusText).split(separator: "\n").map(String.init))
    }

    @Test("counters, meters, recorders and timers map to Prometheus types")
    func types() {
        Counter(label: "requests", dimensions: [("method", "GET")], factory: collector).increment(by: 3)
        FloatingPointCounter(label: "bytes", factory: collector).increment(by: 1.5)
        Meter(label: "connections", factory: collector).set(Int64(7))
        Recorder(label: "last_size", aggregate: false, factory: collector).record(Int64(42))
        Recorder(label: "sizes", factory: collector).record(0.3)
        Timer(label: "handler_latency", dimensions: [("route", "/")], factory: collector).recordMilliseconds(20)
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

    @Test("a file importing Metrics and BreakwaterMetrics names swift-metrics' types without a module prefix")
    func unqualifiedNames() throws {
        let jobs: CounterSeries = try collector.counter(name: "jobs_total", help: "Jobs.").labels()
        jobs.increment()
        // A task-local factory rather than `MetricsSystem.bootstrap`, which a process may call once.
        // The type annotations are the point: a call alone is resolved by its argument labels even
        // when two imported types share a name, a type annotation is not. (`Timer` cannot clash in
        // this file: `Metrics` re-exports swift-metrics' with a scoped import, which wins.)
        withMetricsFactory(collector) {
            let orders: Counter = Counter(label: "orders")
            let revenue: FloatingPointCounter = FloatingPointCounter(label: "revenue")
            let queueDepth: Gauge = Gauge(label: "queue_depth")
            let workers: Meter = Meter(label: "workers")
            let payloadBytes: Recorder = Recorder(label: "payload_bytes")
            let checkout: Timer = Timer(label: "checkout")
            orders.increment(by: 2)
            revenue.increment(by: 2.5)
            queueDepth.record(4)
            workers.set(3)
            payloadBytes.record(512)
            checkout.recordMilliseconds(30)
        }
        let lines = lines
        #expect(lines.contains("jobs_total 1"))
        #expect(lines.contains("orders_total 2"))
        #expect(lines.contains("revenue_total 2.5"))
        #expect(lines.contains("queue_depth 4"))
        #expect(lines.contains("workers 3"))
        #expect(lines.contains("payload_bytes_count 1"))
        #expect(lines.contains("checkout_count 1"))
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
