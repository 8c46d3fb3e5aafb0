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
            let curl = try await offloaded {
                try runExternalTool(
                    URL(fileURLWithPath: "/usr/bin/curl"),
                    arguments: ["--silent", "--fail", "--user", "prometheus:s3cret:with colon", "http://127.0.0.1:\(port)/metrics"],
                    input: [],
                    mergeOutput: false
                )
            }
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
            let closedAfterResponse = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try connection.readResponse()
                return connection.isClosedByServer()
            }
            let closedSilent = try await offloaded {
                try RawConnection(port: port).isClosedByServer()
            }
            #expect(closedAfterResponse)
            #expect(closedSilent)
        }
    }

    @Test func aClientThatDoesNotReadItsResponseIsCutOffAtTheWriteTimeout() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let family = try collector.gauge(name: "wide", help: "Many series.", labelNames: ["index"])
        for index in 0..<200_000 {
            try family.labels(String(index)).set(Double(index))
        }
        try await withServer(collector: collector, configure: { $0.writeTimeout = .milliseconds(500) }) { _, port in
            let (received, total) = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                // Not reading lets the server's writes back up until its timeout closes the
                // connection; what the socket buffers held arrives, then the end.
                Thread.sleep(forTimeInterval: 2)
                let bytes = try connection.readUntilClosed()
                let total = collector.render(.prometheusText).utf8.count
                return (bytes.count, total)
            }
            #expect(received > 0)
            #expect(received < total)
        }
    }

    @Test func connectionsBeyondTheLimitAreClosedAtOnce() async throws {
        try await withServer(configure: { $0.maximumConnections = 2 }) { server, port in
            let result = try await offloaded {
                let first = try RawConnection(port: port)
                let second = try RawConnection(port: port)
                try first.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                try second.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let bothServed = try first.readResponse().status == 200 && second.readResponse().status == 200
                let third = try RawConnection(port: port)
                let thirdClosed = third.isClosedByServer()
                first.close()
                return (bothServed, thirdClosed)
            }
            #expect(result.0)
            #expect(result.1)
            // Once a connection is gone there is room again.
            var status = 0
            for _ in 0..<100 where status != 200 {
                status = (try? await request("/metrics", port: port).status) ?? 0
                if status != 200 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == 200)
        }
    }
}
