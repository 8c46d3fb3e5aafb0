import Breakwater
import BreakwaterMetrics
import Logging
import NIOCore
import NIOHTTP1

/// Decides the answer to each request: refusal, authentication, routing, method, then the metrics,
/// the status page, the circuits document, one circuit, or a change to one. Shared by every
/// connection of a server; it touches no socket, and renders no large body itself: those come
/// from the ``MetricsEndpoint``, the same one an application serves from its own router.
final class Responder: Sendable {
    private let configuration: MetricsServerConfiguration
    private let registry: CircuitBreakerRegistry?
    private let logger: Logger
    /// Everyone who may read: the configured user and the operators.
    private let accounts: [BasicAuthentication]
    let endpoint: MetricsEndpoint

    /// The prefix of a circuit's path, `/circuits/{name}`.
    static let circuitPathPrefix = "/circuits/"

    init(configuration: MetricsServerConfiguration, registry: CircuitBreakerRegistry?, endpoint: MetricsEndpoint, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.endpoint = endpoint
        self.logger = logger
        accounts = (configuration.basicAuthentication.map { [$0] } ?? []) + configuration.operators
    }

    /// The response to `request`, and the body it sends if it was rendered.
    ///
    /// A request pipelined behind another may be answered with the body rendered for that one,
    /// `previous`, when the render began after the request arrived.
    func respond(to request: Request, reusing previous: RenderedBody?) async -> (Response, RenderedBody?) {
        let head = request.head
        if let refusal = request.refusal {
            return (.refusing(head, because: refusal), nil)
        }
        let path = RequestTarget.path(of: head.uri) ?? ""
        let isMetricsPath = path == configuration.metricsPath
        let (response, body) = await route(request, path: path, isMetricsPath: isMetricsPath, reusing: previous)
        if isMetricsPath {
            endpoint.metrics.countRequest(status: Int(response.head.status.code))
        }
        return (response, body)
    }

    private func route(
        _ request: Request, path: Substring, isMetricsPath: Bool, reusing previous: RenderedBody?
    ) async -> (Response, RenderedBody?) {
        let head = request.head
        var user: String?
        if let credentials = configuration.basicAuthentication {
            user = BasicAuthentication.user(among: accounts, authorizing: head.headers.first(name: "authorization"))
            if user == nil {
                return (.plain(.unauthorized, for: head, extraHeaders: [("WWW-Authenticate", credentials.challenge)]), nil)
            }
        }
        // nil for the exposition, whose format the endpoint negotiates.
        let document: BodyKey.Content?
        switch path {
        case _ where isMetricsPath: document = nil
        case "/": document = .statusPage
        case "/circuits": document = .circuitsDocument
        case _ where path.hasPrefix(Self.circuitPathPrefix):
            return (circuit(request, segment: path.dropFirst(Self.circuitPathPrefix.count), user: user), nil)
        default: return (.plain(.notFound, for: head), nil)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return (.plain(.methodNotAllowed, for: head, extraHeaders: [("Allow", "GET, HEAD")]), nil)
        }
        let acceptEncoding = head.headers["accept-encoding"]
        let isHead = head.method == .HEAD
        let (answer, body) = if let document {
            await endpoint.response(
                document, acceptEncoding: acceptEncoding, isHead: isHead, arrivedAt: request.arrival, reusing: previous
            )
        } else {
            await endpoint.exposition(
                accept: head.headers["accept"], acceptEncoding: acceptEncoding, isHead: isHead,
                arrivedAt: request.arrival, reusing: previous
            )
        }
        return (Response(answer, for: head), body)
    }

    // MARK: One circuit

    /// `GET`/`HEAD /circuits/{name}`: the circuit as JSON; `POST`: a change of its state, when
    /// manual control is on, by `user`, who authenticated.
    private func circuit(_ request: Request, segment: Substring, user: String?) -> Response {
        let head = request.head
        let allowed = configuration.manualControl ? "GET, HEAD, POST" : "GET, HEAD"
        guard head.method == .GET || head.method == .HEAD || (head.method == .POST && configuration.manualControl) else {
            return .plain(.methodNotAllowed, for: head, extraHeaders: [("Allow", allowed)])
        }
        guard let name = PercentEncoding.decode(segment), !segment.contains("/") else {
            return .text(.badRequest, "the circuit's name must be one percent-encoded (UTF-8) path segment", for: head)
        }
        var action: CircuitAction?
        if head.method == .POST {
            guard let user, configuration.operators.isEmpty || configuration.operators.contains(where: { $0.username == user }) else {
                let who = user.map { CircuitsDocument.quoted($0) } ?? "nobody"
                return .text(.forbidden, "\(who) may read circuits but not change them; the operators may", for: head)
            }
            switch requestedAction(request) {
            case .success(let requested): action = requested
            case .failure(let refusal): return .refusing(head, because: refusal, keepAlive: true)
            }
        }
        guard let breaker = registry?.existingBreaker(named: name) else {
            return .text(.notFound, "there is no circuit named \(CircuitsDocument.quoted(name))", for: head)
        }
        if let action, let user {
            change(breaker, by: action, as: user, from: request)
        }
        let status = CircuitStatus(breaker)
        let answer = MetricsResponse(
            status: 200,
            headers: [("Content-Type", BodyKey.Content.circuitsDocument.contentType), ("Cache-Control", "no-store")]
                + BodyKey.Content.circuitsDocument.securityHeaders,
            body: ByteBuffer(string: CircuitsDocument.json(status)),
            isHead: head.method == .HEAD
        )
        return Response(answer, for: head)
    }

    /// The action a `POST` asks for, or why it may not change a circuit: from another site, not
    /// JSON, too large, or naming no action.
    private func requestedAction(_ request: Request) -> Result<CircuitAction, Refusal> {
        if let refusal = CrossSiteProtection.refusal(for: request.head) {
            return .failure(refusal)
        }
        if request.bodyTooLarge {
            return .failure(Refusal(status: .payloadTooLarge, reason: "an action's body is at most \(CircuitAction.maximumBodySize) bytes"))
        }
        return CircuitAction.parse(request.body ?? ByteBuffer())
            .mapError { Refusal(status: .badRequest, reason: $0.description) }
    }

    /// Applies `action` in `user`'s name, and logs it; an action that finds the circuit in its
    /// state already (other than a reset, which always empties the window) changes nothing and is
    /// logged as such.
    private func change(_ breaker: CircuitBreaker, by action: CircuitAction, as user: String, from request: Request) {
        let before = breaker.state
        action.apply(to: breaker, by: user)
        let after = breaker.state
        let changed = before != after || action == .reset
        logger.info(
            changed ? "circuit state set over HTTP" : "circuit state over HTTP unchanged",
            metadata: [
                "circuit": "\(breaker.name)", "action": "\(action.rawValue)", "user": "\(user)",
                "from": "\(before)", "to": "\(after)",
                "client": "\(request.client.map(String.init(describing:)) ?? "unknown")",
            ]
        )
    }
}
