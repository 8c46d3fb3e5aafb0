import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import HTTPTypes
import Hummingbird

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
        let service = try QuoteService()
        // HEAD /metrics too, from the GET route.
        let router = Router(options: .autoGenerateHeadEndpoints)
        service.addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("quote") { _, _ in await quote() }
        router.post("dependency/fail") { _, _ -> HTTPResponse.Status in
            dependency.setDown(true)
            return .noContent
        }
        router.post("dependency/heal") { _, _ -> HTTPResponse.Status in
            dependency.setDown(false)
            return .noContent
        }
        router.get("metrics") { request, _ in await metrics.response(to: request) }
    }

    /// A quote through the breaker; a rejection says when to come back.
    func quote() async -> Response {
        do {
            let quote = try await quotes.run { try await dependency.quote() }
            return .text(quote + "\n", status: .ok)
        } catch let rejection as CircuitBreakerError {
            var response = Response.text("\(rejection)\n", status: .serviceUnavailable)
            response.headers[.retryAfter] = String(Self.wholeSeconds(rejection.retryAfter))
            return response
        } catch {
            return .text("the dependency failed\n", status: .badGateway)
        }
    }

    /// `duration` rounded up to whole seconds, at least 1, for `Retry-After`; 1 when unknown.
    static func wholeSeconds(_ duration: Duration?) -> Int64 {
        guard let (seconds, attoseconds) = duration?.components else { return 1 }
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}

extension MetricsEndpoint {
    /// The exposition as Hummingbird's response to `request`, negotiated from its `Accept` and
    /// `Accept-Encoding`. With `.autoGenerateHeadEndpoints`, Hummingbird answers `HEAD` with this
    /// handler too.
    func response(to request: Request) async -> Response {
        let answer = await response(
            accept: request.headers[values: .accept],
            acceptEncoding: request.headers[values: .acceptEncoding],
            isHead: request.method == .head
        )
        var headers = HTTPFields()
        for field in answer.headers {
            if let name = HTTPField.Name(field.name) {
                headers.append(HTTPField(name: name, value: field.value))
            }
        }
        headers[.contentLength] = String(answer.contentLength)
        // The closure keeps `answer`, and so its body's place in the endpoint's budget, until the
        // body is written.
        let body = ResponseBody { writer in
            try await writer.write(answer.body)
            try await writer.finish(nil)
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: body)
    }
}

extension Response {
    /// A plain-text response.
    static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
