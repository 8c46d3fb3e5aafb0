import NIOHTTP1

/// What keeps another site's page from changing circuits through an operator's browser, which
/// sends its cached basic-authentication credentials with any request to this server.
///
/// Cross-site request forgery needs a victim's browser, and browsers say where a request comes
/// from: every current one sends `Origin` with a cross-origin `POST`, and `Sec-Fetch-Site` with
/// every request. So:
/// - a request from another origin or site is refused: `Sec-Fetch-Site` other than
///   `same-origin` or `none`, or, from a browser that does not send it, an `Origin` that is not
///   the `Host` the request was sent to;
/// - a request a browser marked as its own must carry `Content-Type: application/json`, which
///   neither a form nor (without a CORS preflight, which this server never approves) another
///   site's script can send;
/// - any request's body must be exactly a JSON object naming the action, which no HTML form can
///   produce (a `text/plain` form always adds an `=`), so a browser too old to send `Origin`
///   cannot be led to change a circuit either. Tools such as curl, which send neither header,
///   may leave `Content-Type` as it comes.
enum CrossSiteProtection {
    /// Why a request with `head` may not change a circuit, or `nil` when it may, given a body
    /// that names an action.
    static func refusal(for head: HTTPRequestHead) -> Refusal? {
        let site = head.headers.first(name: "sec-fetch-site")?.lowercased()
        if let site, site != "same-origin", site != "none" {
            return Refusal(status: .forbidden, reason: "requests from other sites (Sec-Fetch-Site: \(site)) may not change circuits")
        }
        // The browser's own word, when it gives it, is trusted over comparing `Origin` with `Host`,
        // which a reverse proxy may have rewritten.
        let origin = head.headers.first(name: "origin")
        if site == nil, let origin, !isSameOrigin(origin, host: head.headers.first(name: "host")) {
            return Refusal(status: .forbidden, reason: "requests from other origins may not change circuits")
        }
        let mediaType = head.headers.first(name: "content-type").map {
            ContentNegotiation.ListElement.trimmed($0.prefix { $0 != ";" }).lowercased()
        }
        if site != nil || origin != nil, mediaType != "application/json" {
            return Refusal(
                status: .unsupportedMediaType, reason: "send the action as JSON, with Content-Type: application/json",
                extraHeaders: ["Accept-Post": "application/json"])
        }
        return nil
    }

    /// Whether `origin` (`http://host:port`) names the authority the request was sent to.
    private static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let separator = origin.firstRange(of: "://") else { return false }
        let scheme = origin[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return false }
        return origin[separator.upperBound...].lowercased() == host.lowercased()
    }
}
