import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// HTTP/1.1's rules over real TCP: requests that switch protocols, `Host`, the absolute form,
/// `Expect: 100-continue`, half-closing clients, and closing with unread input.
@Suite struct ProtocolRulesTests {
    /// Sends `bytes` on a new connection and returns the first response and whether the server
    /// closed the connection after it (a FIN, not a reset).
    func firstResponse(to bytes: [UInt8], port: Int) async throws -> (RawResponse, closedCleanly: Bool) {
        try await offloaded {
            let connection = try RawConnection(port: port)
            try connection.send(bytes)
            let response = try connection.readResponse()
            let rest = try connection.readUntilClosed()
            return (response, rest.isEmpty && !connection.wasReset)
        }
    }

    @Test func connectIsRefusedWith405AndTheConnectionCloses() async throws {
        try await withServer { _, port in
            let (response, closed) = try await firstResponse(to: Array("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n".utf8), port: port)
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
            #expect(response.header("Connection") == "close")
            #expect(closed)
        }
    }

    @Test(arguments: [
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n",
    ])
    func aRequestToSwitchProtocolsGets400AndTheConnectionCloses(request: String) async throws {
        try await withServer { _, port in
            let (response, closed) = try await firstResponse(to: Array(request.utf8), port: port)
            #expect(response.status == 400)
            #expect(response.text.contains("Upgrade"))
            #expect(closed)
        }
    }

    @Test func bytesAfterAConnectAreDroppedAndRequestsPipelinedAfterItGetNoAnswer() async throws {
        try await withServer(configure: { $0.readTimeout = .seconds(2) }) { _, port in
            let (status, answers) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                let response = try connection.readResponse()
                // A tunnel's worth of bytes, then a request: none of it is parsed or kept.
                var sent = 0
                let megabyte = [UInt8](repeating: 0x41, count: 1 << 20)
                while sent < 64 << 20, (try? connection.send(megabyte)) != nil {
                    sent += megabyte.count
                }
                try? connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let rest = String(decoding: (try? connection.readUntilClosed()) ?? [], as: UTF8.self)
                return (response.status, rest)
            }
            #expect(status == 405)
            #expect(!answers.contains("HTTP/1.1"))
            #expect(try await request("/metrics", port: port).status == 200)
        }
    }

    @Test func anHTTP11RequestWithoutHostGets400() async throws {
        try await withServer { _, port in
            let (response, closed) = try await firstResponse(to: Array("GET /metrics HTTP/1.1\r\n\r\n".utf8), port: port)
            #expect(response.status == 400)
            #expect(response.text.contains("Host"))
            #expect(closed)
        }
    }

    /// Requests whose first answer is decided by their head alone, with the status it is.
    static let headRules: [(request: String, status: Int)] = [
        ("GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET /metrics HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400),
        ("GET example.com:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417),
        ("GET /metrics HTTP/1.0\r\n\r\n", 200),
    ]

    @Test(arguments: headRules)
    func aHeadGetsTheStatusItsRulesCallFor(request: String, status: Int) async throws {
        try await withServer { _, port in
            let (response, _) = try await firstResponse(to: Array(request.utf8), port: port)
            #expect(response.status == status)
        }
    }

    @Test(arguments: ["http://127.0.0.1/metrics", "HTTP://example.com:9465/metrics?x=1", "https://h/metrics"])
    func theAbsoluteFormIsServedAsItsPath(target: String) async throws {
        try await withServer { _, port in
            let (response, _) = try await firstResponse(to: Array("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(response.status == 200)
            #expect(response.text.contains("breakwater_scrape_requests_total"))
        }
    }

    @Test func theAbsoluteFormOfTheRootIsTheStatusPage() async throws {
        try await withServer { _, port in
            let (response, _) = try await firstResponse(to: Array("GET http://x:1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        }
    }

    @Test func expect100ContinueIsAnsweredBeforeTheBody() async throws {
        try await withServer { _, port in
            let (interim, final) = try await offloaded {
                let connection = try RawConnection(port: port, timeout: .seconds(30))
                try connection.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                // The client waits for the 100 before it sends its body.
                let interim = try connection.readResponse(head: true)
                try connection.send("hello")
                return (interim, try connection.readResponse())
            }
            #expect(interim.status == 100)
            #expect(final.status == 405)
        }
    }

    @Test func expect100ContinueBehindAPipelinedRequestComesAfterItsAnswer() async throws {
        try await withServer { _, port in
            let statuses = try await offloaded {
                let connection = try RawConnection(port: port, timeout: .seconds(30))
                try connection.send(
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "POST /circuits HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
                )
                let first = try connection.readResponse()
                let interim = try connection.readResponse(head: true)
                try connection.send("{}")
                return [first.status, interim.status, try connection.readResponse().status]
            }
            #expect(statuses == [200, 100, 405])
        }
    }

    @Test(arguments: ["GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "GET /metrics HTTP/1.0\r\n\r\n"])
    func aClientThatHalfClosesAfterItsRequestIsAnswered(request: String) async throws {
        let collector = try wideCollector(series: 20_000)
        try await withServer(collector: collector) { _, port in
            let (response, closedCleanly) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send(request)
                connection.shutDownWriting()
                let response = try connection.readResponse()
                let rest = try connection.readUntilClosed()
                return (response, rest.isEmpty && !connection.wasReset)
            }
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.body.count > 300_000)
            #expect(closedCleanly)
        }
    }

    @Test func pipelinedRequestsBeforeAHalfCloseAreAllAnswered() async throws {
        try await withServer { _, port in
            let statuses = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send(String(repeating: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 3) + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
                connection.shutDownWriting()
                var statuses: [Int] = []
                for _ in 0..<4 {
                    statuses.append(try connection.readResponse().status)
                }
                #expect(try connection.readUntilClosed().isEmpty)
                return statuses
            }
            #expect(statuses == [200, 200, 200, 404])
        }
    }

    @Test func connectionCloseWithMoreBytesPipelinedStillDeliversTheResponse() async throws {
        let collector = try wideCollector(series: 20_000)
        try await withServer(collector: collector) { _, port in
            for _ in 0..<5 {
                let (response, closedCleanly) = try await offloaded {
                    let connection = try RawConnection(port: port)
                    // A large response, and bytes behind the closing request that the server
                    // never reads as a request: closing with them unread would send a reset,
                    // and the client's kernel would drop the response it had not read yet.
                    try connection.send(
                        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            + String(repeating: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 200)
                    )
                    Thread.sleep(forTimeInterval: 0.2)
                    let response = try connection.readResponse()
                    let rest = try connection.readUntilClosed()
                    return (response, rest.isEmpty && !connection.wasReset)
                }
                #expect(response.status == 200)
                #expect(response.header("Connection") == "close")
                #expect(response.header("Content-Length") == String(response.body.count))
                #expect(closedCleanly)
            }
        }
    }

    @Test func aClosingConnectionDrainsForAtMostTheLingerTimeout() async throws {
        try await withServer { _, port in
            let elapsed = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                _ = try connection.readResponse()
                // Keep sending and never close: the server must give up on its own.
                let started = ContinuousClock.now
                let chunk = [UInt8](repeating: 0x20, count: 4_096)
                while ContinuousClock.now - started < .seconds(10), (try? connection.send(chunk)) != nil {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                return ContinuousClock.now - started
            }
            #expect(elapsed < .seconds(6))
        }
    }

    @Test func aClosingConnectionDrainsAtMostAMegabyte() async throws {
        // A linger timeout far longer than the drain takes even on a loaded machine: only the
        // drain limit can end the connection within it.
        try await withServer(configure: { $0.lingerTimeout = .seconds(60) }) { _, port in
            let (sent, elapsed) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                _ = try connection.readResponse()
                // As fast as the socket takes it: the drain limit, not the linger timeout, ends it.
                let started = ContinuousClock.now
                let chunk = [UInt8](repeating: 0x20, count: 65_536)
                var sent = 0
                while sent < 256 << 20, (try? connection.send(chunk)) != nil {
                    sent += chunk.count
                }
                return (sent, ContinuousClock.now - started)
            }
            // What the kernel's buffers hold, and the megabyte drained: far from everything.
            #expect(sent < 64 << 20)
            #expect(elapsed < .seconds(30))
        }
    }

    @Test func acceptWithAQuotedCommaStillGetsOpenMetrics() async throws {
        try await withServer { _, port in
            let response = try await request(
                "/metrics", port: port,
                headers: [("Accept", #"application/openmetrics-text;version=1.0.0;x="a,b""#)]
            )
            #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        }
    }
}
