import AsyncHTTPClient
import Breakwater
import BreakwaterAsyncHTTPClient
import BreakwaterOutboundTestSupport
import NIOCore
import Testing

/// `CircuitBreakingHTTPClient` against a local server that fails on command, over real TCP.
@Suite("CircuitBreakingHTTPClient")
struct CircuitBreakingHTTPClientTests {
    @Test("successful responses keep the circuit closed")
    func successesKeepTheCircuitClosed() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            for _ in 0..<5 {
                let response = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
                #expect(response.status == .ok)
                #expect(try await response.body.collect(upTo: 1024) == ByteBuffer(string: "status 200"))
            }
            let breaker = try bed.registry.breaker(named: bed.hostKey)
            #expect(breaker.state == .closed)
            #expect(breaker.snapshot().window == WindowCounts(calls: 5, failures: 0))
        }
    }

    @Test("5xx responses open the circuit at the threshold, and come back to the caller with their body")
    func serverErrorsOpenTheCircuit() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            let breaker = try bed.registry.breaker(named: bed.hostKey)
            bed.server.reply(.status(503))
            for sent in 1...OutboundTestBed.failuresToOpen {
                #expect(breaker.state == .closed, "open after \(sent - 1) failures")
                let response = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
                #expect(response.status == .serviceUnavailable)
                #expect(try await response.body.collect(upTo: 1024) == ByteBuffer(string: "status 503"))
            }
            #expect(breaker.state == .open)
        }
    }

    @Test("429 counts as a failure, and the server's own Retry-After stays on the response")
    func tooManyRequestsIsAFailure() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            bed.server.reply(.status(429, retryAfter: 7))
            for _ in 1...OutboundTestBed.failuresToOpen {
                let response = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
                #expect(response.status == .tooManyRequests)
                #expect(response.headers["Retry-After"] == ["7"])
            }
            #expect(bed.state(of: bed.hostKey) == .open)
        }
    }

    @Test("4xx other than 429 counts as a success")
    func clientErrorsAreSuccesses() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            bed.server.reply(.status(404))
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try await http.execute(bed.request("/missing"), timeout: .seconds(60))
            }
            #expect(recorder.outcomes == [.success, .success, .success])
            #expect(breaker.state == .closed)
        }
    }

    @Test("a failed connection counts as a failure; the client's error is rethrown", arguments: OutboundTestBed.ConnectionFailure.allCases)
    func connectionFailuresAreFailures(failure: OutboundTestBed.ConnectionFailure) async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            try await bed.failConnections(failure)
            for _ in 1...OutboundTestBed.failuresToOpen {
                let error = await #expect(throws: (any Error).self) {
                    try await http.execute(bed.request("/quote"), timeout: .seconds(60))
                }
                #expect(failure != .closedWithoutResponse || error as? HTTPClientError == .remoteConnectionClosed)
            }
            #expect(bed.state(of: bed.hostKey) == .open)
        }
    }

    @Test("an open circuit rejects without sending, with the circuit's name and Retry-After")
    func rejectionCarriesRetryAfter() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            try await bed.open(through: http)
            let sent = bed.server.requestCount
            bed.clock.advance(by: .milliseconds(10_500))
            let error = await #expect(throws: RequestRejectedError.self) {
                try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            }
            #expect(error?.circuit == bed.hostKey)
            #expect(error?.rejection.state == .open)
            #expect(error?.retryAfter == .milliseconds(19_500))
            #expect(error?.retryAfterSeconds == 20)
            #expect(bed.server.requestCount == sent, "a rejected request never reaches the server")
        }
    }

    @Test("after the open duration, a successful probe closes the circuit: recovery from refused connections")
    func successfulProbeCloses() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            let breaker = try bed.registry.breaker(named: bed.hostKey)
            try await bed.server.stopListening()
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try? await http.execute(bed.request("/quote"), timeout: .seconds(60))
            }
            #expect(breaker.state == .open)
            try await bed.server.startListening()
            bed.waitOutOpenDuration()
            let probe = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            #expect(probe.status == .ok)
            #expect(breaker.state == .closed)
        }
    }

    @Test("after the open duration, a probe that fails opens the circuit again")
    func failedProbeReopens() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            try await bed.open(through: http)
            bed.waitOutOpenDuration()
            let probe = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            #expect(probe.status == .internalServerError)
            #expect(bed.state(of: bed.hostKey) == .open)
        }
    }

    @Test("per host: one server's open circuit does not stop requests to another")
    func perHostBreakers() async throws {
        try await OutboundTestBed.run { bed in
            try await ControlledHTTPServer.withServer { healthy in
                let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
                try await bed.open(through: http)
                let response = try await http.execute(HTTPClientRequest(url: healthy.baseURL + "/quote"), timeout: .seconds(60))
                #expect(response.status == .ok)
                #expect(try bed.registry.breaker(named: "127.0.0.1:\(healthy.port)").state == .closed)
                #expect(bed.state(of: bed.hostKey) == .open)
            }
        }
    }

    @Test("per call: requests that name their circuit go through breakers of their own")
    func circuitPerCall() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            bed.server.reply(.status(500), toPath: "/quote")
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try await http.execute(bed.request("/quote"), timeout: .seconds(60), circuit: "quote")
            }
            await #expect(throws: RequestRejectedError.self) {
                try await http.execute(bed.request("/quote"), timeout: .seconds(60), circuit: "quote")
            }
            let search = try await http.execute(bed.request("/search"), timeout: .seconds(60), circuit: "search")
            #expect(search.status == .ok)
            #expect(bed.registry.breakers.map(\.name) == ["quote", "search"])
        }
    }

    @Test("a custom breaker key names the breaker from the request")
    func customBreakerKey() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(
                client: bed.httpClient, registry: bed.registry,
                breakerKey: .init { request in "quotes.\(request.method.rawValue)" })
            _ = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            #expect(bed.registry.breakers.map(\.name) == ["quotes.GET"])
        }
    }

    @Test("a custom classification: 404 counts as a failure and opens the circuit, 500 does not")
    func customClassification() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(
                client: bed.httpClient, registry: bed.registry, classification: .failures([404]))
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            bed.server.reply(.status(500))
            _ = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            bed.server.reply(.status(404))
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            }
            #expect(recorder.outcomes == [.success, .failure, .failure, .failure])
            #expect(breaker.state == .open)
        }
    }

    @Test("a cancelled request is ignored, not a failure")
    func cancellationIsIgnored() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            let error = try await bed.cancelWhileServerHolds {
                _ = try await http.execute(bed.request("/slow"), timeout: .seconds(30))
            }
            #expect(error != nil)
            #expect(recorder.outcomes == [.ignored])
            #expect(breaker.snapshot().window == WindowCounts())
        }
    }

    @Test("a cancelled probe gives its permit back: the next request probes")
    func cancelledProbeGivesItsPermitBack() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            try await bed.open(through: http)
            bed.waitOutOpenDuration()
            _ = try await bed.cancelWhileServerHolds {
                _ = try await http.execute(bed.request("/slow"), timeout: .seconds(30))
            }
            bed.server.reply(.status(200))
            let next = try await http.execute(bed.request("/quote"), timeout: .seconds(60))
            #expect(next.status == .ok)
            #expect(bed.state(of: bed.hostKey) == .closed)
        }
    }

    @Test("a deadline exceeded counts as a failure")
    func deadlineExceededIsAFailure() async throws {
        try await OutboundTestBed.run { bed in
            let http = CircuitBreakingHTTPClient(client: bed.httpClient, registry: bed.registry)
            let (_, recorder) = try bed.observedBreaker(bed.hostKey)
            bed.server.reply(.hang)
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                try await http.execute(bed.request("/slow"), timeout: .milliseconds(100))
            }
            #expect(recorder.outcomes == [.failure])
        }
    }
}

extension OutboundTestBed {
    /// A GET of `path` on the server.
    func request(_ path: String) -> HTTPClientRequest {
        HTTPClientRequest(url: server.baseURL + path)
    }

    /// Opens the server's per-host circuit with 500s, and leaves the server answering 500.
    func open(through http: CircuitBreakingHTTPClient) async throws {
        server.reply(.status(500))
        for _ in 1...Self.failuresToOpen {
            _ = try await http.execute(request("/quote"), timeout: .seconds(60))
        }
        #expect(state(of: hostKey) == .open)
    }
}
