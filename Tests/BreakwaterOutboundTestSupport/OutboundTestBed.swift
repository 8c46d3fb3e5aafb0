import AsyncHTTPClient
import Breakwater
import Synchronization

/// What a test of an outbound integration needs: a ``ControlledHTTPServer``, an `HTTPClient`, and
/// a registry on a ``ManualClock`` whose breakers open after ``failuresToOpen`` failures in a row,
/// stay open for ``openDuration`` and close after one successful probe.
public struct OutboundTestBed: Sendable {
    public static let failuresToOpen = 3
    public static let openDuration = Duration.seconds(30)

    public let server: ControlledHTTPServer
    /// A client that fails a request at once when its connection is refused, rather than
    /// retrying until the deadline.
    public let httpClient: HTTPClient
    public let clock: ManualClock
    public let registry: CircuitBreakerRegistry

    /// Runs `body` with a server, a client and a registry of its own.
    public static func run(_ body: (OutboundTestBed) async throws -> Void) async throws {
        let clock = ManualClock()
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: failuresToOpen,
                openDuration: .fixed(openDuration),
                permittedCallsInHalfOpen: 1
            ),
            clock: clock
        )
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            try await ControlledHTTPServer.withServer { server in
                try await body(OutboundTestBed(server: server, httpClient: httpClient, clock: clock, registry: registry))
            }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    /// The name of the per-host breaker of the server: `127.0.0.1:<port>`.
    public var hostKey: String { "127.0.0.1:\(server.port)" }

    /// The state of the breaker named `name`; `nil` when the registry has none.
    public func state(of name: String) -> CircuitState? {
        registry.breakers.first { $0.name == name }?.state
    }

    /// The breaker named `name`, with a recorder of its outcomes.
    public func observedBreaker(_ name: String) throws -> (CircuitBreaker, OutcomeRecorder) {
        let breaker = try registry.breaker(named: name)
        let recorder = OutcomeRecorder()
        breaker.addObserver(recorder)
        return (breaker, recorder)
    }

    /// How a connection to the server fails.
    public enum ConnectionFailure: Sendable, CaseIterable {
        /// The server closes the connection without answering.
        case closedWithoutResponse
        /// The server no longer listens.
        case refused
    }

    /// Makes every later connection to the server fail with `failure`.
    public func failConnections(_ failure: ConnectionFailure) async throws {
        switch failure {
        case .closedWithoutResponse: server.reply(.closeConnection)
        case .refused: try await server.stopListening()
        }
    }

    /// Sends a request with `send` that the server holds without answering, cancels its task once
    /// the server has it, and returns what the request threw, or `nil`.
    public func cancelWhileServerHolds(_ send: @escaping @Sendable () async throws -> Void) async throws -> (any Error)? {
        server.reply(.hang)
        let received = server.requestCount
        let request = Task { try await send() }
        try await server.waitForRequests(received + 1)
        request.cancel()
        do {
            try await request.value
            return nil
        } catch {
            return error
        }
    }

    /// Ends the open duration of every open circuit.
    public func waitOutOpenDuration() {
        clock.advance(by: Self.openDuration)
    }
}

/// Remembers the outcome of every call a breaker records.
public final class OutcomeRecorder: CircuitBreakerObserver {
    private let recorded = Mutex<[CallOutcome]>([])

    public init() {}

    /// The outcomes, oldest first.
    public var outcomes: [CallOutcome] {
        recorded.withLock { $0 }
    }

    public func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        recorded.withLock { $0.append(outcome) }
    }
}
