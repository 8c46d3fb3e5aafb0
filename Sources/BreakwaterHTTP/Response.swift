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

    /// A response to `request` with `body` and its length. The connection writing it adds the
    /// `Connection` header, once it knows whether the connection stays open.
    init(status: HTTPResponseStatus, headers: [(String, String)], body: ByteBuffer, for request: HTTPRequestHead, keepAlive: Bool? = nil) {
        var fields = HTTPHeaders(headers)
        fields.add(name: "Content-Length", value: String(body.readableBytes))
        self.keepAlive = keepAlive ?? request.isKeepAlive
        head = HTTPResponseHead(version: request.version.major == 1 ? request.version : .http1_1, status: status, headers: fields)
        self.body = request.method == .HEAD ? nil : body
    }

    /// A short plain-text response naming the status, for errors.
    static func plain(
        _ status: HTTPResponseStatus, for request: HTTPRequestHead, extraHeaders: [(String, String)] = []
    ) -> Response {
        text(
            "\(status.code) \(status.reasonPhrase)\n",
            contentType: "text/plain; charset=utf-8",
            status: status,
            for: request,
            extraHeaders: extraHeaders
        )
    }

    /// The answer to a request the connection refused: the status, the reason, and a close.
    static func refusing(_ request: HTTPRequestHead, because refusal: Refusal) -> Response {
        text(
            "\(refusal.status.code) \(refusal.status.reasonPhrase): \(refusal.reason)\n",
            contentType: "text/plain; charset=utf-8",
            status: refusal.status,
            for: request,
            extraHeaders: refusal.extraHeaders.sorted { $0.key < $1.key },
            keepAlive: false
        )
    }

    /// A `200 OK` or error response carrying `text`.
    static func text(
        _ text: String,
        contentType: String,
        status: HTTPResponseStatus = .ok,
        for request: HTTPRequestHead,
        extraHeaders: [(String, String)] = [],
        keepAlive: Bool? = nil
    ) -> Response {
        let headers = [("Content-Type", contentType), ("Cache-Control", "no-store")] + extraHeaders
        return Response(status: status, headers: headers, body: ByteBuffer(string: text), for: request, keepAlive: keepAlive)
    }
}
