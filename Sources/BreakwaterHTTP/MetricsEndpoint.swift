import Breakwater
import BreakwaterMetrics
import NIOCore
import NIOPosix

/// The exposition of a `MetricsCollector` as a complete HTTP response, for serving `/metrics`
/// from an application's own router, behind its own TLS, authentication and middleware.
///
/// It takes the request's `Accept` and `Accept-Encoding` values and answers with what
/// ``MetricsServer`` answers on its metrics path: OpenMetrics 1.0.0 when `Accept` prefers it
/// (Prometheus does), text format 0.0.4 otherwise, gzip when `Accept-Encoding` allows it. It
/// shares the server's negotiation, compression and limits: bodies are rendered and compressed on
/// `threadPool`, never on Swift concurrency's threads; concurrent requests share renders; the
/// bodies held at once are bounded by `maximumConcurrentScrapes`, beyond which a request gets
/// `503` with `Retry-After: 1`. Requests are counted in the listener's own metrics
/// (`breakwater_scrape_*`), which it registers in the collector.
///
/// Create one endpoint at startup and use it for every request. With Hummingbird 2, whose
/// `Router(options: .autoGenerateHeadEndpoints)` answers `HEAD` with the `GET` route:
///
/// ```swift
/// let metrics = try MetricsEndpoint(collector: collector)
/// router.get("metrics") { request, _ -> Response in
///     let answer = await metrics.response(
///         accept: request.headers[values: .accept],
///         acceptEncoding: request.headers[values: .acceptEncoding],
///         isHead: request.method == .head
///     )
///     var headers = HTTPFields()
///     for field in answer.headers {
///         if let name = HTTPField.Name(field.name) { headers.append(HTTPField(name: name, value: field.value)) }
///     }
///     headers[.contentLength] = String(answer.contentLength)
///     // The closure keeps `answer`, and so the body's place in the budget, until it is written.
///     return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody { writer in
///         try await writer.write(answer.body)
///         try await writer.finish(nil)
///     })
/// }
/// ```
///
/// With Vapor 4, which answers `HEAD` with the `GET` route by itself:
///
/// ```swift
/// let metrics = try MetricsEndpoint(collector: collector)
/// app.get("metrics") { request async -> Response in
///     let answer = await metrics.response(
///         accept: request.headers[.accept],
///         acceptEncoding: request.headers[.acceptEncoding],
///         isHead: request.method == .HEAD
///     )
///     // The closure keeps `answer`, and so the body's place in the budget, until it is written.
///     let body = Response.Body(managedAsyncStream: { writer in try await writer.writeBuffer(answer.body) },
///                              count: answer.contentLength)
///     return Response(status: .init(statusCode: answer.status), headers: HTTPHeaders(answer.headers), body: body)
/// }
/// ```
///
/// The body is already compressed when `Content-Encoding` says so: keep a response compression
/// middleware off this route.
public final class MetricsEndpoint: Sendable {
    /// The listener's own metrics, in the collector served.
    let metrics: ScrapeMetrics
    private let renderer: SharedRenderer

    /// An endpoint serving `collector`.
    ///
    /// - Parameters:
    ///   - collector: The metrics to serve. The endpoint registers its own in it
    ///     (`breakwater_scrape_*`), or shares those a ``MetricsServer`` or another endpoint
    ///     registered.
    ///   - maximumConcurrentScrapes: How many bodies of the largest size served may be held at
    ///     once, counted in bytes: a body counts from the start of its render until the last
    ///     ``MetricsResponse`` carrying it is released. A request that needs a new render when
    ///     they are spoken for gets `503` with `Retry-After: 1`. Default 16, as
    ///     ``MetricsServerConfiguration/maximumConcurrentScrapes``.
    ///   - compressionLevel: The zlib level for gzip, 1 (fastest) to 9 (smallest). Default 1.
    ///   - threadPool: Where bodies are rendered and compressed; it must be running. Default
    ///     NIO's shared pool, which always is.
    ///   - eventLoop: Where the renders' futures complete. Default one of NIO's shared event loops.
    /// - Throws: ``MetricsServerError/invalidConfiguration(field:value:allowed:)`` when a limit is
    ///   out of range, ``MetricsServerError/selfMetricsConflict(_:)`` when the collector holds a
    ///   conflicting family under one of the listener's metric names.
    public convenience init(
        collector: MetricsCollector,
        maximumConcurrentScrapes: Int = 16,
        compressionLevel: Int = 1,
        threadPool: NIOThreadPool = .singleton,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) throws(MetricsServerError) {
        try self.init(
            collector: collector,
            registry: nil,
            configuration: MetricsServerConfiguration(
                maximumConcurrentScrapes: maximumConcurrentScrapes,
                compressionLevel: compressionLevel
            ),
            threadPool: threadPool,
            eventLoop: eventLoop
        )
    }

    /// An endpoint for a ``MetricsServer``, which also answers the server's status page and
    /// `/circuits` (from `registry`), so that they share its renders' threads and body budget.
    init(
        collector: MetricsCollector,
        registry: CircuitBreakerRegistry?,
        configuration: MetricsServerConfiguration,
        threadPool: NIOThreadPool,
        eventLoop: any EventLoop
    ) throws(MetricsServerError) {
        try configuration.validate()
        do {
            metrics = try ScrapeMetrics(collector: collector)
        } catch {
            throw .selfMetricsConflict(error)
        }
        let bodies = BodyRenderer(
            collector: collector,
            registry: registry,
            metricsPath: configuration.metricsPath,
            manualControl: configuration.manualControl,
            compressionLevel: configuration.compressionLevel
        )
        renderer = SharedRenderer(
            threadPool: threadPool,
            eventLoop: eventLoop,
            budget: BodyBudget(maximumBodies: configuration.maximumConcurrentScrapes)
        ) { key, sizeHint in
            try bodies.render(key, sizeHint: sizeHint)
        }
    }

    /// The response to a request for the exposition with these header values.
    ///
    /// - Parameters:
    ///   - accept: Every value of the request's `Accept` field, in order (a field may be
    ///     repeated); none when it has none.
    ///   - acceptEncoding: Every value of the request's `Accept-Encoding` field.
    ///   - isHead: Whether the request is a `HEAD`: the response then has the headers and
    ///     ``MetricsResponse/contentLength`` of the `GET` and an empty body.
    /// - Returns: `200` with the exposition; `503` with `Retry-After: 1` when the body budget is
    ///   spent; `500` when rendering failed (the thread pool is not running, say).
    public func response(accept: [String], acceptEncoding: [String], isHead: Bool = false) async -> MetricsResponse {
        let (response, _) = await exposition(
            accept: accept,
            acceptEncoding: acceptEncoding,
            isHead: isHead,
            arrivedAt: .now(),
            reusing: nil
        )
        metrics.countRequest(status: response.status)
        return response
    }

    /// The response to a request for the exposition with these header fields, each whole (the
    /// values of a repeated field joined with `, `, as Hummingbird's `request.headers[.accept]`
    /// gives them), or `nil` when the request has none; otherwise like the variant that takes
    /// every value of each field.
    public func response(accept: String?, acceptEncoding: String?, isHead: Bool = false) async -> MetricsResponse {
        await response(
            accept: accept.map { [$0] } ?? [],
            acceptEncoding: acceptEncoding.map { [$0] } ?? [],
            isHead: isHead
        )
    }

    /// The exposition in the format and coding these values ask for, for a request that arrived
    /// at `arrival`, and the body it sends if it was rendered; see
    /// ``response(_:acceptEncoding:isHead:arrivedAt:reusing:)``.
    func exposition(
        accept: [String],
        acceptEncoding: [String],
        isHead: Bool,
        arrivedAt arrival: NIODeadline,
        reusing previous: RenderedBody?
    ) async -> (MetricsResponse, RenderedBody?) {
        await response(
            .exposition(ContentNegotiation.expositionFormat(accept: accept)),
            acceptEncoding: acceptEncoding,
            isHead: isHead,
            arrivedAt: arrival,
            reusing: previous
        )
    }

    /// A `200` with `content`, gzipped when `acceptEncoding` allows it, from a render that began
    /// at or after `arrival`, and the body it sends; `503` when a render must begin and the
    /// budget for bodies is spent, `500` when the render failed.
    ///
    /// A request pipelined behind another may be answered with the body rendered for that one,
    /// `previous`, when the render began after the request arrived. The response holds its body's
    /// place in the budget, and its count in the in-flight gauge, as long as it lives.
    func response(
        _ content: BodyKey.Content,
        acceptEncoding: [String],
        isHead: Bool,
        arrivedAt arrival: NIODeadline,
        reusing previous: RenderedBody?
    ) async -> (MetricsResponse, RenderedBody?) {
        let key = BodyKey(content: content, gzip: ContentNegotiation.acceptsGzip(acceptEncoding: acceptEncoding))
        let ticket = InFlightTicket(metrics.inFlight)
        let started = ContinuousClock.now
        let body: RenderedBody
        if let previous, previous.answers(key, arrivedAt: arrival) {
            body = previous
        } else {
            do {
                body = try await renderer.body(for: key, arrivedAt: arrival)
            } catch is BodyBudgetExhaustedError {
                return (.plain(status: 503, isHead: isHead, extraHeaders: [("Retry-After", "1")]), nil)
            } catch {
                return (.plain(status: 500, isHead: isHead), nil)
            }
        }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", content.contentType),
            ("Vary", "Accept-Encoding, Accept"),
            ("Cache-Control", "no-store"),
        ]
        if key.gzip {
            headers.append(("Content-Encoding", "gzip"))
        }
        headers += content.securityHeaders
        var response = MetricsResponse(status: 200, headers: headers, body: body.bytes, isHead: isHead)
        response.holds = (body.reservation, ticket)
        if case .exposition = content {
            metrics.duration.observe(ContinuousClock.now - started)
            metrics.countResponseBytes(isHead ? 0 : body.bytes.readableBytes, gzip: key.gzip)
        }
        return (response, body)
    }
}
