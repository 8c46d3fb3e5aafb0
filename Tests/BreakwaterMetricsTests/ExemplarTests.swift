import Breakwater
import BreakwaterTestSupport
import Logging
import Synchronization
import Testing

@testable import BreakwaterMetrics

/// Exemplars: the trace a call ran in, on the bucket its duration fell in and on the failure and
/// timeout counts, in OpenMetrics only, read back by client_python's strict parser.
@Suite("Exemplars")
struct ExemplarTests {
    struct Failure: Error {}

    /// The caller's trace, task-local as a tracer's `ServiceContext` is.
    @TaskLocal static var trace: TraceReference?

    static let first = TraceReference(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")!
    static let second = TraceReference(traceID: "0AF7651916CD43DD8448EB211C80319C", spanID: "B7AD6B7169203331")!

    let clock = ManualClock()
    let collector = MetricsCollector(processMetrics: false)
    let registry: CircuitBreakerRegistry
    /// How often the source was asked.
    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }
    let asked = Count()

    init() throws {
        registry = try CircuitBreakerRegistry(clock: clock, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    var source: ExemplarSource {
        { [asked] in
            asked.value.add(1, ordering: .relaxed)
            return ExemplarTests.trace
        }
    }

    private func call(_ breaker: CircuitBreaker, taking duration: Duration, failing: Bool = false, in trace: TraceReference?) {
        Self.$trace.withValue(trace) {
            _ = try? breaker.run { () throws(Failure) in
                clock.advance(by: duration)
                if failing { throw Failure() }
            }
        }
    }

    private func parsed() async throws -> [ParsedFamily] {
        try await parseWithPrometheusClient(collector.render(.openMetrics), format: .openMetrics)
    }

    private static func labels(_ outcome: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["circuit": "payments", "outcome": outcome].merging(extra) { $1 }
    }

    private static func exemplarLabels(_ trace: TraceReference) -> [String: String] {
        ["trace_id": trace.traceID, "span_id": trace.spanID]
    }

    @Test("a traced failure leaves its trace on its duration's bucket and on its count")
    func tracedFailure() async throws {
        try collector.recordMetrics(of: registry, exemplars: source)
        let payments = try registry.breaker(named: "payments")
        call(payments, taking: .milliseconds(30), failing: true, in: Self.first)
        call(payments, taking: .milliseconds(4), in: Self.second)
        call(payments, taking: .milliseconds(7), in: nil)
        let families = try await parsed()
        let failureBucket = try #require(families.sample(
            named: "circuit_breaker_call_duration_seconds_bucket", labels: Self.labels("failure", ["le": "0.05"])))
        #expect(failureBucket.exemplar?.labels == Self.exemplarLabels(Self.first))
        #expect(failureBucket.exemplar?.value == "0.03")
        #expect(failureBucket.exemplar?.timestamp != nil)
        let lowerFailureBucket = try #require(families.sample(
            named: "circuit_breaker_call_duration_seconds_bucket", labels: Self.labels("failure", ["le": "0.025"])))
        #expect(lowerFailureBucket.exemplar == nil)
        let failures = try #require(families.sample(named: "circuit_breaker_calls_total", labels: Self.labels("failure")))
        #expect(failures.exemplar?.labels == Self.exemplarLabels(Self.first))
        #expect(failures.exemplar?.value == "1.0")
        let successBucket = try #require(families.sample(
            named: "circuit_breaker_call_duration_seconds_bucket", labels: Self.labels("success", ["le": "0.005"])))
        #expect(successBucket.exemplar?.labels == Self.exemplarLabels(Self.second))
        #expect(successBucket.exemplar?.labels["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        let untracedBucket = try #require(families.sample(
            named: "circuit_breaker_call_duration_seconds_bucket", labels: Self.labels("success", ["le": "0.01"])))
        #expect(untracedBucket.exemplar == nil)
        // Successes are counted without one: the count an operator follows to a trace is of failures.
        let successes = try #require(families.sample(named: "circuit_breaker_calls_total", labels: Self.labels("success")))
        #expect(successes.exemplar == nil)
        #expect(asked.value.load(ordering: .relaxed) == 3)
    }

    @Test("a traced timeout leaves its trace on the timeout count")
    func tracedTimeout() async throws {
        try collector.recordMetrics(of: registry, exemplars: source)
        let payments = try registry.breaker(named: "payments")
        try Self.$trace.withValue(Self.second) {
            payments.record(.timeout, for: try payments.acquirePermission(), duration: .seconds(2))
        }
        let families = try await parsed()
        let timeouts = try #require(families.sample(named: "circuit_breaker_calls_total", labels: Self.labels("timeout")))
        #expect(timeouts.exemplar?.labels == Self.exemplarLabels(Self.second))
        let bucket = try #require(families.sample(
            named: "circuit_breaker_call_duration_seconds_bucket", labels: Self.labels("timeout", ["le": "2.5"])))
        #expect(bucket.exemplar?.value == "2.0")
    }

    @Test("text format 0.0.4 has no exemplars, and without a source nothing is asked or kept")
    func onlyOpenMetrics() async throws {
        try collector.recordMetrics(of: registry, exemplars: source)
        let payments = try registry.breaker(named: "payments")
        call(payments, taking: .milliseconds(30), failing: true, in: Self.first)
        let text = collector.render(.prometheusText)
        #expect(!text.contains("#{") && !text.contains(" # {"))
        #expect(try await promtoolComplaint(text) == nil)
        #expect(collector.render(.openMetrics).contains(#" # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.03 "#))

        let plain = MetricsCollector(processMetrics: false)
        try plain.recordMetrics(of: registry)
        let other = try registry.breaker(named: "other")
        call(other, taking: .milliseconds(30), failing: true, in: Self.first)
        #expect(!plain.render(.openMetrics).contains(" # {"))
    }

    @Test("a histogram of the application's own keeps the latest exemplar of each bucket, +Inf included")
    func ownHistogram() async throws {
        let histogram = try collector.histogram(name: "job_seconds", help: "Jobs.", buckets: [0.1, 1]).labels()
        histogram.observe(0.05, exemplar: Self.first)
        histogram.observe(0.07, exemplar: Self.second)
        histogram.observe(30, exemplar: Self.first)
        histogram.observe(0.5)
        let family = try #require(try await parsed().family(named: "job_seconds"))
        #expect(family.sample(named: "job_seconds_bucket", labels: ["le": "0.1"])?.exemplar?.labels == Self.exemplarLabels(Self.second))
        #expect(family.sample(named: "job_seconds_bucket", labels: ["le": "0.1"])?.exemplar?.value == "0.07")
        #expect(family.sample(named: "job_seconds_bucket", labels: ["le": "1.0"])?.exemplar == nil)
        #expect(family.sample(named: "job_seconds_bucket", labels: ["le": "+Inf"])?.exemplar?.value == "30.0")
        #expect(family.sample(named: "job_seconds_count")?.hasValue(4) == true)
    }

    @Test("exemplars recorded from many tasks while scrapes render: exact counts, every exposition parses")
    func concurrentExemplars() async throws {
        try collector.recordMetrics(of: registry, exemplars: source)
        let payments = try registry.breaker(named: "payments")
        payments.enableMetricsOnly()  // records every failure and never rejects a call
        let collector = collector
        let expositions = await withTaskGroup(of: [String].self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<2_000 {
                        let trace = TraceReference(traceID: (UInt64(task + 1), UInt64(index + 1)), spanID: UInt64(index + 1))
                        Self.$trace.withValue(trace) {
                            payments.record(.failure, for: try! payments.acquirePermission(), duration: .milliseconds(index % 50))
                        }
                    }
                    return []
                }
            }
            group.addTask {
                var expositions: [String] = []
                for _ in 0..<5 {
                    expositions.append(collector.render(.openMetrics))
                    await Task.yield()
                }
                return expositions
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        for exposition in expositions {
            _ = try await parseWithPrometheusClient(exposition, format: .openMetrics)
        }
        let families = try await parsed()
        #expect(families.sample(named: "circuit_breaker_calls_total", labels: Self.labels("failure"))?.hasValue(8_000) == true)
        #expect(families.sample(named: "circuit_breaker_calls_total", labels: Self.labels("failure"))?.exemplar != nil)
    }

    @Test("trace and span IDs: 32 and 16 hex digits of either case, never all zero")
    func traceReferenceParsing() {
        #expect(Self.first.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(Self.first.spanID == "00f067aa0ba902b7")
        #expect(TraceReference(traceID: (1, 2), spanID: 3).traceID == "00000000000000010000000000000002")
        #expect(TraceReference(traceID: "4bf92f3577b34da6a3ce929d0e0e473", spanID: "00f067aa0ba902b7") == nil)
        #expect(TraceReference(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b") == nil)
        #expect(TraceReference(traceID: "4bf92f3577b34da6a3ce929d0e0e473g", spanID: "00f067aa0ba902b7") == nil)
        #expect(TraceReference(traceID: String(repeating: "0", count: 32), spanID: "00f067aa0ba902b7") == nil)
        #expect(TraceReference(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: String(repeating: "0", count: 16)) == nil)
    }
}
