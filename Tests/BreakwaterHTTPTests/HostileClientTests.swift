import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// Clients that are broken or malicious. After each kind, the server holds no socket beyond its
/// listener, and a normal scrape succeeds.
@Suite struct HostileClientTests {
    /// Short timeouts, so that clients that never finish are cut off within the test.
    static func configure(_ configuration: inout MetricsServerConfiguration) {
        configuration.readTimeout = .seconds(1)
        configuration.idleTimeout = .seconds(1)
        configuration.writeTimeout = .seconds(1)
    }

    /// A collector whose exposition is a few hundred kilobytes, far more than a client with a
    /// small receive buffer takes before the server's writes stall.
    static func largeCollector() throws -> MetricsCollector {
        try wideCollector(series: 10_000)
    }

    /// Waits until the server holds only its listening socket, then scrapes normally.
    func expectServerRecovers(port: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var sockets = openServerSockets(port: port)
        let deadline = ContinuousClock.now + .seconds(15)
        while sockets != 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            sockets = openServerSockets(port: port)
        }
        #expect(sockets == 1, "sockets still open on the server's port", sourceLocation: sourceLocation)
        let response = try await request("/metrics", port: port)
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(response.text.contains("breakwater_scrape_duration_seconds"), sourceLocation: sourceLocation)
    }

    /// Sends `bytes` on a new connection and returns all the server sent before it closed.
    func sendAndCollect(_ bytes: [UInt8], port: Int) async throws -> String {
        try await offloaded {
            let connection = try RawConnection(port: port)
            try? connection.send(bytes)
            return String(decoding: (try? connection.readUntilClosed()) ?? [], as: UTF8.self)
        }
    }

    static let malformedRequests: [String] = [
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET /metrics HTTP/9.9\r\n\r\n",
        "GET /metrics HTTP/1.1 extra\r\n\r\n",
        "GET /me trics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /metrics HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n",
        "G\u{0}T /metrics HTTP/1.1\r\n\r\n",
        "\u{16}\u{3}\u{1}\u{0}\u{a5}\u{1}\u{0}\u{0}\u{a1}\u{3}\u{3}",  // a TLS ClientHello
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",  // the HTTP/2 preface
    ]

    @Test(arguments: malformedRequests)
    func aMalformedRequestGets400AndTheServerCarriesOn(request text: String) async throws {
        try await withServer(configure: Self.configure) { _, port in
            let answer = try await sendAndCollect(Array(text.utf8), port: port)
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "answer: \(answer.prefix(80))")
            try await expectServerRecovers(port: port)
        }
    }

    @Test func rawGarbageIsRefusedAndTheServerCarriesOn() async throws {
        try await withServer(configure: Self.configure) { _, port in
            var generator = SplitMix64(seed: 0xB4EA_4A7E)
            for length in [1, 17, 4_096, 65_536, 1_000_000] {
                let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let answer = try await sendAndCollect(garbage, port: port)
                #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "after \(length) bytes: \(answer.prefix(80))")
            }
            try await expectServerRecovers(port: port)
        }
    }

    @Test func oversizedHeadersGet431() async throws {
        try await withServer(configure: Self.configure) { _, port in
            let oneHugeHeader = "GET /metrics HTTP/1.1\r\nX-Big: \(String(repeating: "x", count: 200_000))\r\n\r\n"
            let manyHeaders = "GET /metrics HTTP/1.1\r\n" + (0..<2_000).map { "X-\($0): v\r\n" }.joined() + "\r\n"
            for request in [oneHugeHeader, manyHeaders] {
                let answer = try await sendAndCollect(Array(request.utf8), port: port)
                #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            }
            try await expectServerRecovers(port: port)
        }
    }

    @Test func aClientSendingOneBytePerSecondIsCutOff() async throws {
        try await withServer(configure: Self.configure) { _, port in
            let (sent, elapsed) = try await offloaded {
                let connection = try RawConnection(port: port)
                let started = ContinuousClock.now
                var sent = 0
                for byte in "GET /metrics HTTP/1.1\r\nHost: example\r\n\r\n".utf8 {
                    guard (try? connection.send([byte])) != nil else { break }
                    sent += 1
                    Thread.sleep(forTimeInterval: 1)
                    if ContinuousClock.now - started > .seconds(10) { break }
                }
                return (sent, ContinuousClock.now - started)
            }
            #expect(sent <= 3)
            #expect(elapsed < .seconds(5))
            try await expectServerRecovers(port: port)
        }
    }

    @Test func hundredsOfConcurrentConnectionsAreAllServed() async throws {
        try await withServer { _, port in
            let responses = try await offloaded {
                let connections = try (0..<300).map { _ in try RawConnection(port: port) }
                for (index, connection) in connections.enumerated() {
                    let path = ["/metrics", "/circuits", "/"][index % 3]
                    try connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
                }
                return try connections.map { try $0.readResponse() }
            }
            // Every connection gets a whole answer. On a slow machine the bodies still being written
            // can fill the body budget; a request that then needs a new render gets the budget's
            // 503 with Retry-After, the answer the server is built to give, and never a reset.
            let refused = responses.filter { $0.status == 503 }
            #expect(responses.count == 300)
            #expect(responses.allSatisfy { $0.status == 200 || $0.status == 503 }, "\(responses.map(\.status))")
            #expect(refused.allSatisfy { $0.header("Retry-After") == "1" })
            #expect(refused.count < 30, "\(refused.count) of 300 refused")
            try await expectServerRecovers(port: port)
        }
    }

    @Test func hundredsOfSilentConnectionsAreClosedAtTheTimeout() async throws {
        try await withServer(configure: Self.configure) { _, port in
            let allClosed = try await offloaded {
                let connections = try (0..<200).map { _ in try RawConnection(port: port) }
                for (index, connection) in connections.enumerated() where index % 2 == 0 {
                    try connection.send("GET /metrics HTTP/1.1\r\nHost:")
                }
                return connections.allSatisfy { $0.isClosedByServer() }
            }
            #expect(allClosed)
            try await expectServerRecovers(port: port)
        }
    }

    @Test func clientsVanishingMidResponseLeaveNothingBehind() async throws {
        try await withServer(collector: try Self.largeCollector(), configure: Self.configure) { _, port in
            try await offloaded {
                for round in 0..<24 {
                    let connection = try RawConnection(port: port, receiveBufferSize: 4_096)
                    let encoding = round.isMultiple(of: 2) ? "gzip" : "identity"
                    try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: \(encoding)\r\n\r\n")
                    if round.isMultiple(of: 4) {
                        // Vanish after the first bytes of the response ...
                        _ = try connection.readResponse(head: true)
                    }
                    // ... or before any; with RST half the time, FIN the other half.
                    if round % 3 != 0 { connection.resetOnClose() }
                    connection.close()
                }
            }
            try await expectServerRecovers(port: port)
        }
    }

    @Test func aBodyThatNeverEndsIsCutOffAtTheReadTimeout() async throws {
        try await withServer(configure: Self.configure) { _, port in
            let closed = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                let started = ContinuousClock.now
                while ContinuousClock.now - started < .seconds(10) {
                    guard (try? connection.send("1\r\na\r\n")) != nil else { return true }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return false
            }
            #expect(closed)
            try await expectServerRecovers(port: port)
        }
    }
}
