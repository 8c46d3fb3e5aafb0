import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import Vapor

/// `quote-service [PORT]`: serves on 127.0.0.1 (port 8080 by default)
/// - `GET /quote`: a quote from the dependency, through the `quotes` circuit breaker; `503` with
///   `Retry-After` while the circuit rejects calls, `502` when the dependency fails.
/// - `POST /dependency/fail`, `POST /dependency/heal`: make the dependency fail, or answer again.
/// - `GET /metrics`: the breaker's metrics, from this router, through ``MetricsEndpoint``.
@main
struct QuoteService {
    /// Where the breakers come from; its metrics are bound to the collector that /metrics serves.
    let registry: CircuitBreakerRegistry
    let quotes: CircuitBreaker
    let metrics: MetricsEndpoint
    let dependency = FlakyDependency()

    init() throws {
        registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 3,
                openDuration: .fixed(.seconds(2)),
                permittedCallsInHalfOpen: 1
            )
        )
        quotes = try registry.breaker(named: "quotes")
        let collector = MetricsCollector()
        try collector.recordMetrics(of: registry)
        metrics = try MetricsEndpoint(collector: collector)
    }

    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
        // No arguments for Vapor's own command line: the port is ours.
        let app = try await Application.make(Environment(name: "development", arguments: ["quote-service"]))
        do {
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = port
            try QuoteService().addRoutes(to: app)
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func addRoutes(to app: Application) {
        // Vapor answers HEAD /metrics from the GET route.
        app.get("quote") { _ in await quote() }
        app.post("dependency", "fail") { _ -> HTTPStatus in
            dependency.setDown(true)
            return .noContent
        }
        app.post("dependency", "heal") { _ -> HTTPStatus in
            dependency.setDown(false)
            return .noContent
        }
        app.get("metrics") { request in await metrics.response(to: request) }
    }

    /// A quote through the breaker; a rejection says when to come back.
    func quote() async -> Response {
        do {
            let quote = try await quotes.run { try await dependency.quote() }
            return Response(status: .ok, body: .init(string: quote + "\n"))
        } catch let rejection as CircuitBreakerError {
            let retryAfter = String(Self.wholeSeconds(rejection.retryAfter))
            return Response(
                status: .serviceUnavailable,
                headers: ["Retry-After": retryAfter],
                body: .init(string: "\(rejection)\n")
            )
        } catch {
            return Response(status: .badGateway, body: .init(string: "the dependency failed\n"))
        }
    }

    /// `duration` rounded up to whole seconds, at least 1, for `Retry-After`; 1 when unknown.
    static func wholeSeconds(_ duration: Duration?) -> Int64 {
        guard let (seconds, attoseconds) = duration?.components else { return 1 }
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}

extension MetricsEndpoint {
    /// The exposition as Vapor's response to `request`, negotiated from its `Accept` and
    /// `Accept-Encoding`. Vapor answers `HEAD` with this handler too.
    func response(to request: Request) async -> Response {
        let answer = await response(
            accept: request.headers[.accept],
            acceptEncoding: request.headers[.acceptEncoding],
            isHead: request.method == .HEAD
        )
        // The closure keeps `answer`, and so its body's place in the endpoint's budget, until the
        // body is written.
        let body = Response.Body(
            managedAsyncStream: { writer in try await writer.writeBuffer(answer.body) },
            count: answer.contentLength
        )
        return Response(
            status: HTTPResponseStatus(statusCode: answer.status),
            headers: HTTPHeaders(answer.headers),
            body: body
        )
    }
}
