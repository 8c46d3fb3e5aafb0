import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// Connections that hold a place without work cannot lock a scraper out: at the connection limit,
/// a newcomer takes the place of an idle connection, else of one trickling its request; only
/// connections owed a response keep theirs.
@Suite struct LockoutTests {
    /// A request head cut off before its end, as a client trickling it sends it.
    static let partialHead = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "

    @Test func aScrapeSucceedsWhileAThousandSilentAndAHundredTricklingConnectionsAreHeld() async throws {
        // A read timeout long enough that none of them is cut off before the scrape.
        try await withServer(configure: { $0.readTimeout = .seconds(120) }) { server, port in
            // In batches the server has taken in before the next, so that no connection waits in
            // a full listen queue, whose dropped handshakes a slow machine takes seconds to retry.
            var silent: [RawConnection] = []
            for _ in 0..<10 {
                silent += try await offloaded { try (0..<100).map { _ in try RawConnection(port: port) } }
                let expected = min(silent.count, server.configuration.maximumConnections)
                #expect(try await eventually(within: .seconds(120)) { server.connections.census.values.reduce(0, +) == expected })
            }
            let trickling = try await offloaded {
                let trickling = try (0..<100).map { _ in try RawConnection(port: port) }
                for connection in trickling {
                    try connection.send(Self.partialHead)
                }
                return trickling
            }
            // Held: the server has taken every connection in (the tricklers came last).
            #expect(try await eventually(within: .seconds(120)) { server.connections.census[.receiving] == 100 })
            let (status, elapsed, census) = try await offloaded {
                for connection in trickling {
                    try? connection.send("z")
                }
                // A scraper, with Prometheus's default scrape timeout.
                let started = ContinuousClock.now
                let scraper = try RawConnection(port: port, timeout: .seconds(10))
                try scraper.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let status = try scraper.readResponse().status
                let elapsed = ContinuousClock.now - started
                return (status, elapsed, server.connections.census)
            }
            withExtendedLifetime((silent, trickling)) {}
            #expect(status == 200)
            #expect(elapsed < .seconds(10))
            // The server stayed within its limit, and the tricklers were not the ones to go.
            #expect(census.values.reduce(0, +) <= server.configuration.maximumConnections)
            #expect((census[.receiving] ?? 0) >= 90, "\(census)")
        }
    }

    @Test func theLongestIdleConnectionGivesWayBeforeATricklingOne() async throws {
        try await withServer(configure: {
            $0.maximumConnections = 4
            // Long enough that no trickler is cut off by its deadline on a loaded machine.
            $0.readTimeout = .seconds(120)
        }) { server, port in
            let trickling = try await offloaded {
                let trickling = try (0..<2).map { _ in try RawConnection(port: port, timeout: .seconds(30)) }
                for connection in trickling {
                    try connection.send(Self.partialHead)
                }
                return trickling
            }
            #expect(try await eventually { server.connections.census[.receiving] == 2 })
            let silent = try await offloaded { try (0..<2).map { _ in try RawConnection(port: port, timeout: .seconds(30)) } }
            #expect(try await eventually { server.connections.census[.idle] == 2 })
            let (scraper, status) = try await offloaded {
                let scraper = try RawConnection(port: port, timeout: .seconds(30))
                try scraper.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                return (scraper, try scraper.readResponse().status)
            }
            #expect(status == 200)
            // One silent connection gave way; both tricklers kept their place.
            let census = { server.connections.census }
            #expect(try await eventually { census()[.idle] == 2 && census().values.reduce(0, +) == 4 })
            #expect(census()[.receiving] == 2)
            let tricklersAnswered = try await offloaded {
                try trickling.map { connection in
                    try connection.send("z\r\n\r\n")
                    return try connection.readResponse().status
                }
            }
            #expect(tricklersAnswered == [200, 200])
            withExtendedLifetime((silent, scraper)) {}
        }
    }

    @Test func connectionsOwedAResponseKeepTheirPlace() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let gate = ScrapeGate(on: collector)
        try await withServer(collector: collector, configure: { $0.maximumConnections = 2 }) { server, port in
            async let first = request("/metrics", port: port)
            async let second = request("/metrics", port: port)
            #expect(try await offloaded { gate.waitForHeldScrape() })
            let bothBusy = try await eventually { server.connections.census[.busy] == 2 }
            #expect(bothBusy)
            let refused = try await offloaded { try RawConnection(port: port, timeout: .seconds(30)).isClosedByServer() }
            #expect(refused)
            gate.open()
            #expect(try await first.status == 200)
            #expect(try await second.status == 200)
        }
    }
}
