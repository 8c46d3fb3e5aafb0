import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// What clients can make the listener hold, measured as the resident memory of a
/// `breakwater-demo` with thousands of circuits, before and after. Each figure is printed.
///
/// The bound the README states: response bodies in memory, rendering or waiting to be written,
/// never exceed `maximumConcurrentScrapes` (16) times the largest body; a connection holds no body
/// once its response is written, and a client's bytes are never buffered past the head limit.
@Suite(.serialized) struct MemoryBoundTests {
    static let circuits = 3_000
    /// What Prometheus sends.
    static let scrapeHeaders = "Accept: \(MetricsEndpointTests.prometheusAccept)\r\n"

    /// A demo with ``circuits`` synthetic circuits and the size of its identity and gzip bodies.
    static func startDemo() async throws -> (DemoProcess, identity: Int, gzip: Int) {
        let demo = try await offloaded {
            try DemoProcess(arguments: ["--circuits", String(circuits), "--scenario", "steady", "--rate", "1"])
        }
        let port = demo.port
        let identity = try await request("/metrics", port: port, headers: [("Accept", MetricsEndpointTests.prometheusAccept)])
        let gzip = try await request(
            "/metrics", port: port, headers: [("Accept", MetricsEndpointTests.prometheusAccept), ("Accept-Encoding", "gzip")]
        )
        #expect(identity.status == 200 && gzip.status == 200)
        return (demo, identity.body.count, gzip.body.count)
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    @Test func connectionsThatScrapeThenIdleHoldNoBody() async throws {
        let (demo, identity, gzip) = try await Self.startDemo()
        defer { demo.stop() }
        let before = demo.residentBytes
        let connections = 200
        let idle = try await offloaded {
            try (0..<connections).map { index in
                let connection = try RawConnection(port: demo.port, timeout: .seconds(60))
                let encoding = index.isMultiple(of: 2) ? "gzip" : "identity"
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\(Self.scrapeHeaders)Accept-Encoding: \(encoding)\r\n\r\n")
                return connection
            }
        }
        let statuses = try await offloaded { try idle.map { try $0.readResponse().status } }
        #expect(statuses.allSatisfy { $0 == 200 })
        let after = demo.residentBytes
        let growth = after - before
        print(
            "memory: \(connections) connections scraped once and idle: resident \(Self.megabytes(before)) -> \(Self.megabytes(after)) "
                + "(+\(Self.megabytes(growth))); bodies \(Self.megabytes(identity)) identity, \(Self.megabytes(gzip)) gzip"
        )
        // Kept per connection, this would be 100 bodies of each kind, over 1 GB.
        #expect(growth < 4 * identity + connections * 64 * 1_024)
        withExtendedLifetime(idle) {}
    }

    @Test func clientsThatNeverReadHoldNoMoreThanTheBudget() async throws {
        let (demo, identity, _) = try await Self.startDemo()
        defer { demo.stop() }
        let before = demo.residentBytes
        let clients = 100
        let stalled = try await offloaded {
            try (0..<clients).map { _ in
                let connection = try RawConnection(port: demo.port, timeout: .seconds(60), receiveBufferSize: 4_096)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\(Self.scrapeHeaders)\r\n")
                return connection
            }
        }
        // Wait until every response is rendered and stuck behind its client's full receive window.
        var inFlight = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while inFlight <= clients, ContinuousClock.now < deadline {
            let text = try await request("/metrics", port: demo.port).text
            let line = text.split(separator: "\n").first { $0.hasPrefix("breakwater_scrape_requests_in_flight ") }
            inFlight = line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        }
        #expect(inFlight > clients)
        let held = demo.residentBytes
        let growth = held - before
        print(
            "memory: \(clients) clients that never read, held: resident \(Self.megabytes(before)) -> \(Self.megabytes(held)) "
                + "(+\(Self.megabytes(growth))); body \(Self.megabytes(identity)); bound 16 bodies = \(Self.megabytes(16 * identity))"
        )
        // One copy per client would be 100 bodies.
        #expect(growth < 16 * identity + clients * 64 * 1_024)
        withExtendedLifetime(stalled) {}
    }

    @Test func bytesAfterAConnectOrUpgradeAreNeverBuffered() async throws {
        let (demo, _, _) = try await Self.startDemo()
        defer { demo.stop() }
        let before = demo.residentBytes
        let sent = try await offloaded {
            var sent = 0
            for opening in [
                "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            ] {
                let connection = try RawConnection(port: demo.port, timeout: .seconds(10))
                try connection.send(opening)
                let megabyte = [UInt8](repeating: 0x41, count: 1 << 20)
                let started = ContinuousClock.now
                while ContinuousClock.now - started < .seconds(1.5), (try? connection.send(megabyte)) != nil {
                    sent += megabyte.count
                }
            }
            return sent
        }
        let after = demo.residentBytes
        print("memory: \(Self.megabytes(sent)) sent after CONNECT and Upgrade: resident \(Self.megabytes(before)) -> \(Self.megabytes(after))")
        #expect(sent > 50 << 20)
        #expect(after - before < 32 << 20)
    }
}
