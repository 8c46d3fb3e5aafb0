import AsyncHTTPClient
import Breakwater
import BreakwaterOpenAPI
import BreakwaterOutboundTestSupport
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Testing

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

/// `CircuitBreakerMiddleware` in a client of an OpenAPI document, in front of a real transport
/// (AsyncHTTPClient), against a local server that fails on command.
@Suite("CircuitBreakerMiddleware")
struct CircuitBreakerMiddlewareTests {
    @Test("successful responses keep the host's circuit closed")
    func successesKeepTheCircuitClosed() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            for _ in 0..<5 {
                let output = try await quotes.getQuote()
                #expect(output == .ok(body: "status 200"))
            }
            #expect(bed.registry.breakers.map(\.name) == [bed.hostKey])
            #expect(bed.state(of: bed.hostKey) == .closed)
        }
    }

    @Test("5xx responses come back as the operation's typed output, and open the circuit at the threshold")
    func serverErrorsOpenTheCircuit() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            bed.server.reply(.status(503))
            for sent in 1...OutboundTestBed.failuresToOpen {
                #expect(bed.state(of: bed.hostKey) ?? .closed == .closed, "open after \(sent - 1) failures")
                let output = try await quotes.getQuote()
                #expect(output == .undocumented(statusCode: 503, body: "status 503", retryAfter: nil))
            }
            #expect(bed.state(of: bed.hostKey) == .open)
        }
    }

    @Test("429 counts as a failure, and the server's own Retry-After reaches the caller")
    func tooManyRequestsIsAFailure() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            bed.server.reply(.status(429, retryAfter: 7))
            for _ in 1...OutboundTestBed.failuresToOpen {
                let output = try await quotes.getQuote()
                #expect(output == .undocumented(statusCode: 429, body: "status 429", retryAfter: "7"))
            }
            #expect(bed.state(of: bed.hostKey) == .open)
        }
    }

    @Test("a failed connection counts as a failure; the caller gets the ClientError", arguments: OutboundTestBed.ConnectionFailure.allCases)
    func connectionFailuresAreFailures(failure: OutboundTestBed.ConnectionFailure) async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            try await bed.failConnections(failure)
            for _ in 1...OutboundTestBed.failuresToOpen {
                let error = await #expect(throws: ClientError.self) { try await quotes.getQuote() }
                #expect(failure != .closedWithoutResponse || error?.underlyingError as? HTTPClientError == .remoteConnectionClosed)
            }
            #expect(recorder.outcomes == [.failure, .failure, .failure])
            #expect(breaker.state == .open)
        }
    }

    @Test("an open circuit rejects without sending: the ClientError's underlying error carries Retry-After")
    func rejectionCarriesRetryAfter() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            try await bed.open(quotes)
            let sent = bed.server.requestCount
            bed.clock.advance(by: .seconds(5))
            let error = await #expect(throws: ClientError.self) { try await quotes.getQuote() }
            let rejection = try #require(error?.underlyingError as? RequestRejectedError)
            #expect(rejection.circuit == bed.hostKey)
            #expect(rejection.retryAfter == .seconds(25))
            #expect(rejection.retryAfterSeconds == 25)
            #expect(error?.operationID == "getQuote")
            #expect(bed.server.requestCount == sent, "a rejected request never reaches the server")
        }
    }

    @Test("after the open duration, a successful probe closes the circuit")
    func successfulProbeCloses() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            try await bed.open(quotes)
            bed.server.reply(.status(200))
            bed.waitOutOpenDuration()
            let output = try await quotes.getQuote()
            #expect(output == .ok(body: "status 200"))
            #expect(bed.state(of: bed.hostKey) == .closed)
        }
    }

    @Test("per operation: one operation's open circuit does not stop another's requests")
    func perOperationBreakers() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry, breakerKey: .operationID))
            bed.server.reply(.status(500), toPath: "/quote")
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try await quotes.getQuote()
            }
            await #expect(throws: ClientError.self) { try await quotes.getQuote() }
            let output = try await quotes.search()
            #expect(output == .ok(body: "status 200"))
            #expect(bed.state(of: "getQuote") == .open)
            #expect(bed.state(of: "search") == .closed)
        }
    }

    @Test("per host: one server's open circuit does not stop requests to another")
    func perHostBreakers() async throws {
        try await OutboundTestBed.run { bed in
            try await ControlledHTTPServer.withServer { healthy in
                let middleware = CircuitBreakerMiddleware(registry: bed.registry)
                try await bed.open(bed.quotesClient(middleware))
                let other = try QuotesClient(
                    serverURL: #require(URL(string: healthy.baseURL)),
                    transport: bed.transport, middlewares: [middleware])
                let output = try await other.getQuote()
                #expect(output == .ok(body: "status 200"))
                #expect(bed.state(of: "127.0.0.1:\(healthy.port)") == .closed)
                #expect(bed.state(of: bed.hostKey) == .open)
            }
        }
    }

    @Test("a custom breaker key names the breaker from the request, the base URL and the operation")
    func customBreakerKey() async throws {
        try await OutboundTestBed.run { bed in
            let key = CircuitBreakerMiddleware.BreakerKey { request, baseURL, operationID in
                "quotes.\(operationID).\(request.method.rawValue)"
            }
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry, breakerKey: key))
            _ = try await quotes.getQuote()
            _ = try await quotes.search()
            #expect(bed.registry.breakers.map(\.name) == ["quotes.getQuote.GET", "quotes.search.GET"])
        }
    }

    @Test("a custom classification: 404 counts as a failure and opens the circuit, 503 does not")
    func customClassification() async throws {
        try await OutboundTestBed.run { bed in
            let middleware = CircuitBreakerMiddleware(registry: bed.registry, classification: .failures([404]))
            let quotes = bed.quotesClient(middleware)
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            bed.server.reply(.status(503))
            _ = try await quotes.getQuote()
            bed.server.reply(.status(404))
            for _ in 1...OutboundTestBed.failuresToOpen {
                let output = try await quotes.getQuote()
                #expect(output == .undocumented(statusCode: 404, body: "status 404", retryAfter: nil))
            }
            #expect(recorder.outcomes == [.success, .failure, .failure, .failure])
            #expect(breaker.state == .open)
        }
    }

    @Test("the breaker's isFailure judges the transport's own error, not the ClientError around it")
    func isFailureSeesTheTransportError() async throws {
        try await OutboundTestBed.run { bed in
            let breaker = try bed.registry.breaker(
                named: "quotes",
                configuration: CircuitBreakerConfiguration(isFailure: { ($0 as? HTTPClientError) != .remoteConnectionClosed }))
            let recorder = OutcomeRecorder()
            breaker.addObserver(recorder)
            let quotes = bed.quotesClient(
                CircuitBreakerMiddleware(registry: bed.registry, breakerKey: .init { _, _, _ in "quotes" }))
            bed.server.reply(.closeConnection)
            await #expect(throws: ClientError.self) { try await quotes.getQuote() }
            #expect(recorder.outcomes == [.ignored])
        }
    }

    @Test("a cancelled request is ignored, not a failure")
    func cancellationIsIgnored() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(CircuitBreakerMiddleware(registry: bed.registry))
            let (breaker, recorder) = try bed.observedBreaker(bed.hostKey)
            let error = try await bed.cancelWhileServerHolds { _ = try await quotes.getQuote() }
            #expect(error is ClientError)
            #expect(recorder.outcomes == [.ignored])
            #expect(breaker.snapshot().window == WindowCounts())
        }
    }

    @Test("a cancelled request is ignored when the transport reports it with an error of its own, as URLSession's does")
    func cancellationUnderAnotherNameIsIgnored() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = QuotesClient(
                serverURL: URL(string: bed.server.baseURL)!,
                transport: CancellationRenamingTransport(base: bed.transport),
                middlewares: [CircuitBreakerMiddleware(registry: bed.registry)])
            let (_, recorder) = try bed.observedBreaker(bed.hostKey)
            let error = try await bed.cancelWhileServerHolds { _ = try await quotes.getQuote() }
            #expect((error as? ClientError)?.underlyingError is CancellationRenamingTransport.Cancelled)
            #expect(recorder.outcomes == [.ignored])
        }
    }

    @Test("stacked per host and per operation: the host's breaker does not count the operation's rejections")
    func stackedMiddlewares() async throws {
        try await OutboundTestBed.run { bed in
            let quotes = bed.quotesClient(
                CircuitBreakerMiddleware(registry: bed.registry),
                CircuitBreakerMiddleware(registry: bed.registry, breakerKey: .operationID))
            let (host, recorder) = try bed.observedBreaker(bed.hostKey)
            bed.server.reply(.status(500), toPath: "/quote")
            for _ in 1...OutboundTestBed.failuresToOpen {
                _ = try await quotes.getQuote()
            }
            #expect(bed.state(of: "getQuote") == .open)
            #expect(host.state == .open, "the host's breaker counted the same three failures")
            host.reset()
            let rejected = await #expect(throws: ClientError.self) { try await quotes.getQuote() }
            #expect((rejected?.underlyingError as? RequestRejectedError)?.circuit == "getQuote")
            #expect(recorder.outcomes.suffix(1) == [.ignored])
            let output = try await quotes.search()
            #expect(output == .ok(body: "status 200"))
            #expect(host.state == .closed)
        }
    }
}

/// A transport that reports a cancelled request with an error of its own rather than
/// `CancellationError`, as URLSession reports `URLError.cancelled`.
struct CancellationRenamingTransport: ClientTransport {
    struct Cancelled: Error {}

    let base: any ClientTransport

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await base.send(request, body: body, baseURL: baseURL, operationID: operationID)
        } catch is CancellationError {
            throw Cancelled()
        }
    }
}

extension OutboundTestBed {
    /// The transport every client of the tests sends with.
    var transport: AsyncHTTPClientTransport {
        AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: .seconds(60)))
    }

    /// A client of the server with `middlewares`.
    func quotesClient(_ middlewares: any ClientMiddleware...) -> QuotesClient {
        QuotesClient(serverURL: URL(string: server.baseURL)!, transport: transport, middlewares: middlewares)
    }

    /// Opens the server's per-host circuit with 500s, and leaves the server answering 500.
    func open(_ quotes: QuotesClient) async throws {
        server.reply(.status(500))
        for _ in 1...Self.failuresToOpen {
            _ = try await quotes.getQuote()
        }
        #expect(state(of: hostKey) == .open)
    }
}
