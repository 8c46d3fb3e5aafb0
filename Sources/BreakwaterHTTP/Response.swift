import NIOCore
import NIOHTTP1

/// One response, ready to write: the head with `Content-Length` set, and the body unless the
/// request was `HEAD`.
struct Response: Sendable {
    /// Status and headers.
    var head: HTTPResponseHead
    /// The body; a `HEAD` request gets the headers of the `GET` and no body.
    var body: ByteBuffer?
    /// Whether the connection may stay open after this response, as far as the request is
    /// concerned; the connection may still close it.
    var keepAlive: Bool
    /// What the response keeps alive until it is written: its body's reservation in the shared
    /// budget, and its count in the in-flight gauge.
    var holds: (reservation: BodyReservation?, ticket: InFlightTicket?) = (nil, nil)

    /// Whether the body goes on the wire.
    var sendsBody: Bool { body != nil }

    /// The response to `request` that sends `answer`, holding what it holds. The connection
    /// writing it adds the `Connection` header, once it knows whether the connection stays open.
    init(_ answer: MetricsResponse, for request: HTTPRequestHead, keepAlive: Bool? = nil) {
        var fields = HTTPHeaders(answer.headers.map { ($0.name, $0.value) })
        fields.add(name: "Content-Length", value: String(answer.contentLength))
        self.keepAlive = keepAlive ?? request.isKeepAlive
        head = HTTPResponseHead(
            version: request.version.major == 1 ? request.version : .http1_1,
            status: HTTPResponseStatus(statusCode: answer.status),
            headers: fields
        )
        body = request.method == .HEAD ? nil : answer.body
        holds = answer.holds
    }

    /// A short plain-text response naming the status, for errors.
    static func plain(
        _ status: HTTPResponseStatus, for request: HTTPRequestHead, extraHeaders: [(String, String)] = []
    ) -> Response {
        Response(
            .plain(status: Int(status.code), isHead: request.method == .HEAD, extraHeaders: extraHeaders.map { ($0, $1) }),
            for: request
        )
    }

    /// A short plain-text response: the status, then `message`.
    static func text(_ status: HTTPResponseStatus, _ message: String, for request: HTTPRequestHead) -> Response {
        refusing(request, because: Refusal(status: status, reason: message), keepAlive: true)
    }

    /// The answer to a request that was refused: the status and the reason; the connection closes
    /// unless `keepAlive` says the refusal concerns this request only.
    static func refusing(_ request: HTTPRequestHead, because refusal: Refusal, keepAlive: Bool = false) -> Response {
        let status = refusal.status
        return Response(
            .text(
                "\(status.code) \(status.reasonPhrase): \(refusal.reason)\n",
                status: Int(status.code),
                isHead: request.method == .HEAD,
                extraHeaders: refusal.extraHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            ),
            for: request,
            keepAlive: keepAlive ? nil : false
        )
    }
}
