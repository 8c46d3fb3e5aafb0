import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Synchronization
import Testing
@testable import BreakwaterHTTP

/// Renders happen on the server's own threads, are shared by the scrapes that arrive together,
/// never answer a scrape that arrived after they began, and bound what one connection can queue.
@Suite struct SharedRenderTests {
    /// A collector whose gauge `render_number` tells which render produced an exposition: the
    /// first is 1, the next 2, and so on.
    final class CountedCollector: Sendable {
        let collector: MetricsCollector
        private let renders = Atomic(0)

        init(series: Int = 0) throws {
            collector = series > 0 ? try wideCollector(series: series) : MetricsCollector(processMetrics: false)
            let number = try collector.gauge(name: "render_number", help: "Which render this is.").labels()
            collector.addCollectHook { [self] in
                number.set(Double(renders.add(1, ordering: .relaxed).newValue))
            }
        }

        /// How many times the exposition was rendered.
        var count: Int { renders.load(ordering: .relaxed) }
    }

    /// The `render_number` an exposition shows.
    static func renderNumber(in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix("render_number ") }.flatMap { Int($0.dropFirst(14)) }
    }

    @Test func scrapesArrivingDuringARenderShareTheNextOneAndNeverTheOneInProgress() async throws {
        let counted = try CountedCollector()
        let gate = ScrapeGate(on: counted.collector)
        try await withServer(collector: counted.collector) { server, port in
            async let first = request("/metrics", port: port)
            #expect(try await offloaded { gate.waitForHeldScrape() })
            // Twenty scrapes arrive while the first render is held.
            async let later = withThrowingTaskGroup(of: RawResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await request("/metrics", port: port) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // All twenty are waiting for a body (each counts itself in flight just before).
            #expect(try await eventually { server.responder.endpoint.metrics.inFlight.value == 21 })
            gate.open()
            #expect(Self.renderNumber(in: try await first.text) == 1)
            let responses = try await later
            #expect(responses.count == 20)
            #expect(responses.allSatisfy { Self.renderNumber(in: $0.text) == 2 })
            #expect(counted.count == 2)
        }
    }

    @Test func pipelinedHeadsAreAnsweredFromOneRender() async throws {
        let counted = try CountedCollector(series: 20_000)
        try await withServer(collector: counted.collector) { _, port in
            let (lengths, allAnswered) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send(String(repeating: "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 16))
                let responses = try (0..<16).map { _ in try connection.readResponse(head: true) }
                connection.close()
                return (Set(responses.map { $0.header("Content-Length") }), responses.allSatisfy { $0.status == 200 })
            }
            #expect(allAnswered)
            #expect(lengths.count == 1)
            #expect(counted.count == 1)
        }
    }

    @Test func aConnectionPipeliningPastTheLimitIsAnsweredUpToItThenClosed() async throws {
        let counted = try CountedCollector(series: 20_000)
        try await withServer(collector: counted.collector, configure: { $0.maximumPipelinedRequests = 8 }) { _, port in
            let (statuses, rest, reset) = try await offloaded {
                let connection = try RawConnection(port: port)
                // About 10 KB of HEADs in one write, as an attacker would send them.
                try connection.send(String(repeating: "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 300))
                let statuses = try (0..<8).map { _ in try connection.readResponse(head: true).status }
                let rest = try connection.readUntilClosed()
                return (statuses, rest, connection.wasReset)
            }
            #expect(statuses == Array(repeating: 200, count: 8))
            #expect(rest.isEmpty)
            #expect(!reset)
            // One render for the eight, not one each, nor three hundred.
            #expect(counted.count <= 2)
        }
    }

    @Test func rendersNeverHoldUpTheApplicationsAsyncWork() async throws {
        let counted = try CountedCollector()
        #expect(MetricsServer.renderingThreadCount <= 2)
        let gate = ScrapeGate(holding: 2, on: counted.collector)
        try await withServer(collector: counted.collector) { _, port in
            // Two renders held at once, of two kinds of body: every rendering thread is busy.
            async let identity = request("/metrics", port: port)
            async let gzip = request("/metrics", port: port, headers: [("Accept-Encoding", "gzip")])
            let bothHeld = try await offloaded { [gate.waitForHeldScrape(), gate.waitForHeldScrape()] }
            #expect(bothHeld == [true, true])
            // Swift concurrency's threads are free: a task runs, and a request is routed.
            let ran = await Task.detached { 42 }.value
            #expect(ran == 42)
            #expect(try await request("/missing", port: port).status == 404)
            gate.open()
            gate.open()
            #expect(try await identity.status == 200)
            #expect(try await gzip.status == 200)
        }
    }

    @Test func theStatusPageAndCircuitsShareTheScrapeLimit() async throws {
        let counted = try CountedCollector()
        let gate = ScrapeGate(on: counted.collector)
        try await withServer(collector: counted.collector, configure: { $0.maximumConcurrentScrapes = 1 }) { _, port in
            async let held = request("/metrics", port: port)
            #expect(try await offloaded { gate.waitForHeldScrape() })
            let statusPage = try await request("/", port: port)
            #expect(statusPage.status == 503)
            #expect(try await request("/circuits", port: port).status == 503)
            gate.open()
            #expect(try await held.status == 200)
            #expect(try await request("/circuits", port: port).status == 200)
        }
    }
}
