import BreakwaterTestSupport
import Dispatch
import Foundation
import Testing

@testable import BreakwaterMetrics

@Suite("Collector under concurrency")
struct CollectorConcurrencyTests {
    @Test("renders taken while threads update parse strictly, and the final totals are exact")
    func rendersDuringUpdates() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let calls = try collector.counter(name: "calls_total", help: "Calls.", labelNames: ["worker"])
        let latency = try collector.histogram(name: "latency_seconds", help: "Latency.", labelNames: ["worker"])
        let level = try collector.gauge(name: "level", help: "Level.", labelNames: ["worker"])
        let workers = 4
        let operationsPerWorker = 200_000
        let finished = DispatchGroup()
        for worker in 0..<workers {
            let counter = try calls.labels("\(worker)")
            let histogram = try latency.labels("\(worker)")
            let gauge = try level.labels("\(worker)")
            finished.enter()
            Thread {
                for operation in 0..<operationsPerWorker {
                    counter.increment()
                    histogram.observe(Double(operation % 1_000) / 100)
                    gauge.increment()
                }
                finished.leave()
            }.start()
        }
        // Scrapes, some creating new series, for as long as the workers run.
        var renders: [String] = []
        var scrape = 0
        repeat {
            _ = try calls.labels("late-\(scrape)")
            renders.append(collector.render(.openMetrics))
            scrape += 1
        } while finished.wait(timeout: .now()) == .timedOut && renders.count < 200
        finished.wait()

        for worker in 0..<workers {
            #expect(try calls.labels("\(worker)").value == UInt64(operationsPerWorker))
            #expect(try latency.labels("\(worker)").count == UInt64(operationsPerWorker))
            #expect(try level.labels("\(worker)").value == Double(operationsPerWorker))
        }
        #expect(renders.count > 1, "scrapes happened while the workers ran")
        // Every tenth scrape, parsed by the strict parser: a histogram whose +Inf bucket differs
        // from its count, or a bucket that decreases, fails it.
        for text in renders.enumerated().filter({ $0.offset % 10 == 0 }).map(\.element) {
            let families = try await parseWithPrometheusClient(text, format: .openMetrics)
            #expect(families.family(named: "latency_seconds")?.samples.isEmpty == false)
        }
    }
}
