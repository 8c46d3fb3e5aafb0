import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// How connections live: keep-alive, pipelining, closing on request, and the bound address.
@Suite struct ConnectionBehaviourTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer { _, port in
            let statuses = try await offloaded {
                let connection = try RawConnection(port: port)
                var statuses: [Int] = []
                for path in ["/metrics", "/circuits", "/metrics"] {
                    try connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                    statuses.append(try connection.readResponse().status)
                }
                return statuses
            }
            #expect(statuses == [200, 200, 200])
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { _, port in
            let responses = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send(
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "HEAD /circuits HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /circuits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                return [
                    try connection.readResponse(),
                    try connection.readResponse(),
                    try connection.readResponse(head: true),
                    try connection.readResponse(),
                ]
            }
            #expect(responses.map(\.status) == [200, 404, 200, 200])
            #expect(responses[0].header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(responses[3].header("Content-Type") == "application/json")
            #expect(responses[3].text.hasPrefix("{\"summary\":"))
        }
    }

    @Test func connectionCloseIsHonouredAfterTheResponse() async throws {
        try await withServer { _, port in
            let (response, closed) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return (try connection.readResponse(), connection.isClosedByServer())
            }
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(closed)
        }
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() async throws {
        try await withServer { _, port in
            let (response, closed) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.0\r\n\r\n")
                return (try connection.readResponse(), connection.isClosedByServer())
            }
            #expect(response.status == 200)
            #expect(closed)
        }
    }

    @Test func aBodyLargerThanTheSocketBuffersArrivesWholeBeforeTheClose() async throws {
        let collector = try wideCollector(series: 40_000)
        let expected = collector.render(.prometheusText).utf8.count
        try await withServer(collector: collector) { _, port in
            let response = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.0\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.body.count > 1_000_000)
            #expect(response.header("Content-Length") == String(response.body.count))
            // The listener's own metrics were added after `expected` was rendered.
            #expect(response.body.count > expected)
        }
    }

    @Test func portZeroBindsAFreePortThatCanBeReadBack() async throws {
        try await withServer { server, port in
            #expect(port > 0)
            #expect(server.localAddress?.port == port)
            #expect(server.localAddress?.ipAddress == "127.0.0.1")
        }
    }

    @Test func theServerServesOverIPv6() async throws {
        try await withServer(configure: { $0.host = "::1" }) { server, port in
            #expect(server.localAddress?.protocol == .inet6)
            let response = try await offloaded {
                let connection = try RawConnection(port: port, host: "::1")
                try connection.send("GET /metrics HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text.contains("breakwater_scrape_requests_in_flight"))
        }
    }

    @Test func startingTwiceIsAnError() async throws {
        try await withServer { server, _ in
            await #expect(throws: MetricsServerError.alreadyStarted) {
                try await server.start()
            }
        }
    }

    @Test func theAddressIsGoneAfterStop() async throws {
        let server = try MetricsServer(
            collector: MetricsCollector(processMetrics: false),
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0)
        )
        #expect(server.localAddress == nil)
        let address = try await server.start()
        #expect(server.localAddress == address)
        await server.stop()
        #expect(server.localAddress == nil)
        let port = try #require(address.port)
        let refused = await #expect(throws: RawConnectionError.self) {
            try await offloaded { _ = try RawConnection(port: port) }
        }
        #expect(refused?.description.contains("failed") == true)
    }

    @Test func stoppingAServerThatNeverStartedDoesNothing() async throws {
        let server = try MetricsServer(
            collector: MetricsCollector(processMetrics: false),
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0)
        )
        await server.stop()
        let address = try await server.start()
        #expect(address.port != nil)
        await server.stop()
    }

    @Test func stopEndsAServerRunByRun() async throws {
        let server = try MetricsServer(
            collector: MetricsCollector(processMetrics: false),
            configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let boundPort = try await boundPort(of: server)
            #expect(try await request("/metrics", port: boundPort).status == 200)
            await server.stop()
            try await group.next()
        }
        #expect(server.localAddress == nil)
    }
}
