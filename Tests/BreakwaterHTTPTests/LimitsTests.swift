import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Testing
@testable import BreakwaterHTTP

/// Every limit a client can run into, over real TCP.
@Suite struct LimitsTests {
    @Test func aHeadOverTheConfiguredLimitGets431AndTheConnectionCloses() async throws {
        try await withServer(configure: { $0.maximumRequestHeadSize = 2_048 }) { _, port in
            let (response, closed) = try await offloaded {
                let connection = try RawConnection(port: port)
                let cookie = String(repeating: "a", count: 3_000)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nCookie: \(cookie)\r\n\r\n")
                return (try connection.readResponse(), connection.isClosedByServer())
            }
            #expect(response.status == 431)
            #expect(closed)
            #expect(try await request("/metrics", port: port).status == 200)
        }
    }

    @Test func aHeadJustUnderTheLimitIsServed() async throws {
        try await withServer(configure: { $0.maximumRequestHeadSize = 2_048 }) { _, port in
            let response = try await request("/metrics", port: port, headers: [("X-Padding", String(repeating: "b", count: 1_800))])
            #expect(response.status == 200)
        }
    }

    @Test func aHugeRequestLineGets431() async throws {
        try await withServer { _, port in
            let response = try await exchange("GET /metrics?\(String(repeating: "q", count: 100_000)) HTTP/1.1\r\n\r\n", port: port)
            #expect(response.status == 431)
        }
    }

    @Test func withoutCredentialsTheAnswerIs401WithAChallenge() async throws {
        let credentials = try BasicAuthentication(username: "prometheus", password: "s3cret:with colon")
        try await withServer(configure: { $0.basicAuthentication = credentials }) { _, port in
            for path in ["/metrics", "/", "/circuits", "/missing"] {
                let response = try await request(path, port: port)
                #expect(response.status == 401, "\(path)")
                #expect(response.header("WWW-Authenticate") == #"Basic realm="metrics", charset="UTF-8""#)
            }
            let wrong = Data("prometheus:guess".utf8).base64EncodedString()
            #expect(try await request("/metrics", port: port, headers: [("Authorization", "Basic \(wrong)")]).status == 401)
        }
    }

    @Test func theRightCredentialsAreLetThrough() async throws {
        let credentials = try BasicAuthentication(username: "prometheus", password: "s3cret:with colon")
        try await withServer(configure: { $0.basicAuthentication = credentials }) { _, port in
            let token = Data("prometheus:s3cret:with colon".utf8).base64EncodedString()
            let response = try await request("/metrics", port: port, headers: [("Authorization", "Basic \(token)")])
            #expect(response.status == 200)
            let curl = try await runExternalTool(
                URL(fileURLWithPath: "/usr/bin/curl"),
                arguments: ["--silent", "--fail", "--user", "prometheus:s3cret:with colon", "http://127.0.0.1:\(port)/metrics"],
                input: [],
                mergeOutput: false
            )
            #expect(curl.exitCode == 0)
        }
    }

    @Test func aClientThatTricklesItsRequestIsCutOffAtTheReadTimeout() async throws {
        try await withServer(configure: {
            $0.readTimeout = .milliseconds(300)
            $0.idleTimeout = .seconds(60)
        }) { _, port in
            let (sent, elapsed) = try await offloaded {
                let connection = try RawConnection(port: port)
                let started = ContinuousClock.now
                var sent = 0
                // One byte every 50 ms never lets the connection go idle; only the read
                // timeout can end it.
                for byte in "GET /metrics HTTP/1.1\r\nHost: example\r\nX-Slow: \(String(repeating: "z", count: 200))\r\n\r\n".utf8 {
                    guard (try? connection.send([byte])) != nil else { break }
                    sent += 1
                    Thread.sleep(forTimeInterval: 0.05)
                    if ContinuousClock.now - started > .seconds(10) { break }
                }
                _ = connection.isClosedByServer()
                return (sent, ContinuousClock.now - started)
            }
            #expect(sent < 100)
            #expect(elapsed < .seconds(5))
        }
    }

    @Test func anIdleConnectionIsClosedAtTheIdleTimeout() async throws {
        try await withServer(configure: { $0.idleTimeout = .milliseconds(200) }) { _, port in
            let closedAfter = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try connection.readResponse()
                return connection.timeUntilClosedByServer()
            }
            #expect(try #require(closedAfter) < .seconds(5))
        }
    }

    @Test func aNewConnectionThatSendsNothingIsClosedAtTheReadTimeout() async throws {
        try await withServer(configure: {
            $0.readTimeout = .milliseconds(300)
            $0.idleTimeout = .seconds(60)
        }) { _, port in
            let closedAfter = try await offloaded { try RawConnection(port: port).timeUntilClosedByServer() }
            #expect(try #require(closedAfter) < .seconds(5))
        }
    }

    @Test func aClientThatDoesNotReadItsResponsesIsCutOffAtTheWriteTimeout() async throws {
        // One response (about 8 MB) is more than the kernel buffers between the two ends (up to
        // 4 MB on the server's side), so the first response stalls: the cut does not wait for
        // renders of the next ones, however slow a loaded machine makes them.
        let collector = try wideCollector(series: 20_000, padding: 400)
        let oneResponse = collector.render(.prometheusText).utf8.count
        let pipelined = 50
        try await withServer(collector: collector, configure: { $0.writeTimeout = .seconds(1) }) { _, port in
            let connection = try await offloaded {
                let connection = try RawConnection(port: port, receiveBufferSize: 4_096)
                let request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                try connection.send(String(repeating: request, count: pipelined))
                return connection
            }
            // Far more is asked for than the kernel buffers hold, and nothing is read: the
            // server's writes stall until its timeout closes the connection. The census sees
            // the connection once it is accepted, and sees it go when the server closes it.
            let deadline = ContinuousClock.now + .seconds(30)
            while openServerSockets(port: port) == 1 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            var serverSockets = openServerSockets(port: port)
            while serverSockets > 1 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                serverSockets = openServerSockets(port: port)
            }
            #expect(serverSockets == 1)
            #expect(ContinuousClock.now < deadline)
            let received = try await offloaded { try connection.readUntilClosed().count }
            #expect(received > 0)
            #expect(received < oneResponse * pipelined)
        }
    }

    @Test func aConnectionBeyondTheLimitTakesThePlaceOfTheLongestIdle() async throws {
        try await withServer(configure: { $0.maximumConnections = 2 }) { _, port in
            let (firstClosed, secondOpen, thirdStatus) = try await offloaded {
                let first = try RawConnection(port: port)
                try first.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try first.readResponse()
                let second = try RawConnection(port: port)
                try second.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try second.readResponse()
                // Both are idle now; the first has been idle longer.
                let third = try RawConnection(port: port)
                try third.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let thirdStatus = try third.readResponse().status
                try second.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                return (first.isClosedByServer(), (try? second.readResponse().status) == 200, thirdStatus)
            }
            #expect(firstClosed)
            #expect(secondOpen)
            #expect(thirdStatus == 200)
        }
    }
}
