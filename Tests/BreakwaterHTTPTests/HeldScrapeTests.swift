import BreakwaterMetrics
import BreakwaterTestSupport
import Logging
import ServiceLifecycle
import Testing
@testable import BreakwaterHTTP

/// Scrapes held in the middle of rendering by a ``ScrapeGate``: the body budget, and
/// shutting down, with `stop()` and in a `ServiceGroup`, while a scrape is in flight.
///
/// A held scrape blocks one of the server's rendering threads for as long as the test needs.
@Suite struct HeldScrapeTests {
    @Test func aScrapeThatNeedsARenderBeyondTheBodyBudgetGets503() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let gate = ScrapeGate(on: collector)
        try await withServer(collector: collector, configure: { $0.maximumConcurrentScrapes = 1 }) { _, port in
            async let held = request("/metrics", port: port)
            #expect(try await offloaded { gate.waitForHeldScrape() })
            // Another kind of body needs a render of its own, and the budget holds one body.
            let refused = try await request("/metrics", port: port, headers: [("Accept-Encoding", "gzip")])
            gate.open()
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(try await held.status == 200)
            let text = try await request("/metrics", port: port).text
            #expect(text.contains("breakwater_scrape_requests_total{code=\"503\"} 1\n"))
        }
    }

    @Test func stopCompletesTheScrapeInFlight() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let gate = ScrapeGate(on: collector)
        let server = try MetricsServer(
            collector: collector,
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0)
        )
        let port = try #require(try await server.start().port)
        async let inFlight = request("/metrics", port: port)
        #expect(try await offloaded { gate.waitForHeldScrape() })

        async let stopped: Void = server.stop()
        // The listener closes first: new connections are refused while the scrape goes on.
        var refused = false
        for _ in 0..<100 where !refused {
            refused = (try? await offloaded { _ = try RawConnection(port: port) }) == nil
            if !refused { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused)
        gate.open()
        let response = try await inFlight
        await stopped
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Length") == String(response.body.count))
        #expect(response.text.contains("breakwater_scrape_requests_in_flight 1\n"))
    }

    @Test func anIdleKeepAliveConnectionDoesNotHoldUpStop() async throws {
        let server = try MetricsServer(
            collector: MetricsCollector(processMetrics: false),
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0, idleTimeout: .seconds(600))
        )
        let port = try #require(try await server.start().port)
        let connection = try await offloaded {
            let connection = try RawConnection(port: port)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try connection.readResponse()
            return connection
        }
        await server.stop()
        #expect(try await offloaded { connection.isClosedByServer() })
    }

    @Test func aServiceGroupShutsTheServerDownGracefully() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let gate = ScrapeGate(on: collector)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = try MetricsServer(
            collector: collector,
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0),
            logger: logger
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let boundPort = try await boundPort(of: server)
            async let inFlight = request("/metrics", port: boundPort)
            #expect(try await offloaded { gate.waitForHeldScrape() })
            await group.triggerGracefulShutdown()
            gate.open()
            #expect(try await inFlight.status == 200)
            try await tasks.next()
        }
        #expect(server.localAddress == nil)
    }
}
