import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// What hostile or careless clients can make the listener hold and spend, measured on a
/// `breakwater-demo` with thousands of circuits: its resident memory and CPU time before and
/// after. Each figure is printed.
///
/// The bound the README states: response bodies in memory, rendering or waiting to be written,
/// never exceed `maximumConcurrentScrapes` (16) times the largest body; a connection holds no body
/// once its response is written, and a client's bytes are never buffered past the head limit.
@Suite(.serialized) struct ResourceBoundTests {
    static let circuits = 3_000
    /// What Prometheus sends.
    static let scrapeHeaders = "Accept: \(MetricsPathTests.prometheusAccept)\r\n"

    /// A demo with ``circuits`` synthetic circuits and the size of its identity and gzip bodies.
    static func startDemo() async throws -> (DemoProcess, identity: Int, gzip: Int) {
        let demo = try await offloaded {
            try DemoProcess(arguments: ["--circuits", String(circuits), "--scenario", "steady", "--rate", "1"])
        }
        let port = demo.port
        let identity = try await request("/metrics", port: port, headers: [("Accept", MetricsPathTests.prometheusAccept)])
        let gzip = try await request(
            "/metrics", port: port, headers: [("Accept", MetricsPathTests.prometheusAccept), ("Accept-Encoding", "gzip")]
        )
        #expect(identity.status == 200 && gzip.status == 200)
        return (demo, identity.body.count, gzip.body.count)
    }

    /// `count` connections to `port`, each having sent one Prometheus scrape with the encoding
    /// `encoding(index)` names, reading with a receive buffer of `receiveBufferSize` if given.
    static func scrapes(
        _ count: Int, port: Int, receiveBufferSize: Int? = nil, encoding: @escaping @Sendable (Int) -> String = { _ in "identity" }
    ) async throws -> [RawConnection] {
        try await offloaded {
            try (0..<count).map { index in
                let connection = try RawConnection(port: port, timeout: .seconds(60), receiveBufferSize: receiveBufferSize)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\(scrapeHeaders)Accept-Encoding: \(encoding(index))\r\n\r\n")
                return connection
            }
        }
    }

    /// The demo's resident memory and CPU time from its start to its ``stop(_:)`` while clients act.
    struct Usage {
        private let residentBefore: Int
        private let cpuBefore: Duration
        private var residentAfter = 0
        /// The CPU time the demo spent between the two.
        private(set) var cpu = Duration.zero
        /// What the demo's resident memory grew by.
        var growth: Int { residentAfter - residentBefore }

        init(of demo: DemoProcess) {
            residentBefore = demo.residentBytes
            cpuBefore = demo.cpuTime
        }

        mutating func stop(_ demo: DemoProcess) {
            residentAfter = demo.residentBytes
            cpu = demo.cpuTime - cpuBefore
        }

        /// Prints the figures for `what` clients did, with a `note`.
        func report(_ what: String, _ note: String = "") {
            print(
                "resources: \(what): resident \(megabytes(residentBefore)) -> \(megabytes(residentAfter)) "
                    + "(+\(megabytes(growth))), CPU \(milliseconds(cpu))\(note.isEmpty ? "" : "; " + note)"
            )
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    static func milliseconds(_ duration: Duration) -> String {
        "\(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
    }

    @Test func connectionsThatScrapeThenIdleHoldNoBody() async throws {
        let (demo, identity, gzip) = try await Self.startDemo()
        defer { demo.stop() }
        var usage = Usage(of: demo)
        let connections = 200
        let idle = try await Self.scrapes(connections, port: demo.port) { $0.isMultiple(of: 2) ? "gzip" : "identity" }
        let statuses = try await offloaded { try idle.map { try $0.readResponse().status } }
        #expect(statuses.allSatisfy { $0 == 200 })
        usage.stop(demo)
        usage.report(
            "\(connections) connections scraped once and idle",
            "bodies \(Self.megabytes(identity)) identity, \(Self.megabytes(gzip)) gzip"
        )
        // Kept per connection, this would be 100 bodies of each kind, over 1 GB.
        #expect(usage.growth < 4 * identity + connections * 64 * 1_024)
        withExtendedLifetime(idle) {}
    }

    @Test func clientsThatNeverReadHoldNoMoreThanTheBudget() async throws {
        let (demo, identity, _) = try await Self.startDemo()
        defer { demo.stop() }
        var usage = Usage(of: demo)
        let clients = 100
        let stalled = try await Self.scrapes(clients, port: demo.port, receiveBufferSize: 4_096)
        // Wait until every response is rendered and stuck behind its client's full receive window.
        var inFlight = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while inFlight <= clients, ContinuousClock.now < deadline {
            let text = try await request("/metrics", port: demo.port).text
            let line = text.split(separator: "\n").first { $0.hasPrefix("breakwater_scrape_requests_in_flight ") }
            inFlight = line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        }
        #expect(inFlight > clients)
        usage.stop(demo)
        usage.report(
            "\(clients) clients that never read, held",
            "body \(Self.megabytes(identity)); bound 16 bodies = \(Self.megabytes(16 * identity))"
        )
        // One copy per client would be 100 bodies.
        #expect(usage.growth < 16 * identity + clients * 64 * 1_024)
        withExtendedLifetime(stalled) {}
    }

    @Test func bytesAfterAConnectOrUpgradeAreNeverBuffered() async throws {
        let (demo, _, _) = try await Self.startDemo()
        defer { demo.stop() }
        var usage = Usage(of: demo)
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
        usage.stop(demo)
        usage.report("\(Self.megabytes(sent)) sent after CONNECT and Upgrade")
        // Nothing is read while the refusal is answered, then at most a megabyte is drained.
        #expect(usage.growth < 32 << 20)
        #expect(usage.cpu < .milliseconds(500))
    }

    @Test func pipelinedHeadsCostAboutOneRender() async throws {
        let (demo, _, _) = try await Self.startDemo()
        defer { demo.stop() }
        var oneScrape = Usage(of: demo)
        _ = try await request("/metrics", port: demo.port, headers: [("Accept", MetricsPathTests.prometheusAccept)])
        oneScrape.stop(demo)
        var pipelined = Usage(of: demo)
        // About 10 KB of HEADs in one write, as the attack sent them.
        let answered = try await offloaded {
            let connection = try RawConnection(port: demo.port, timeout: .seconds(60))
            try connection.send(String(repeating: "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\(Self.scrapeHeaders)\r\n", count: 100))
            var answered = 0
            while (try? connection.readResponse(head: true)) != nil {
                answered += 1
            }
            return answered
        }
        pipelined.stop(demo)
        pipelined.report("100 pipelined HEADs, \(answered) answered before the close", "one scrape: CPU \(Self.milliseconds(oneScrape.cpu))")
        #expect(answered == MetricsServerConfiguration().maximumPipelinedRequests)
        // Sixteen renders would cost sixteen scrapes; the clock ticks in 10 ms.
        #expect(pipelined.cpu < oneScrape.cpu * 4 + .milliseconds(50))
    }

    @Test func silentAndTricklingConnectionsHoldLittleAndLockNobodyOut() async throws {
        let (demo, _, _) = try await Self.startDemo()
        defer { demo.stop() }
        var usage = Usage(of: demo)
        let (status, held) = try await offloaded {
            let silent = try (0..<1_000).map { _ in try RawConnection(port: demo.port, timeout: .seconds(60)) }
            let trickling = try (0..<100).map { _ in try RawConnection(port: demo.port, timeout: .seconds(60)) }
            for connection in trickling {
                try? connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            }
            let scraper = try RawConnection(port: demo.port, timeout: .seconds(60))
            try scraper.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let status = try scraper.readResponse().status
            return (status, silent + trickling)
        }
        // Measured while every connection is still held.
        usage.stop(demo)
        withExtendedLifetime(held) {}
        usage.report("1,000 silent and 100 trickling connections and a scrape")
        #expect(status == 200)
        // The listener holds at most 512 of them, and no body for any.
        #expect(usage.growth < 64 << 20)
    }
}
