import NIOHTTP1

/// What keeps another site's page from changing circuits through an operator's browser, which
/// sends its cached basic-authentication credentials with any request to this server.
///
/// A form on another site can post only `application/x-www-form-urlencoded`, `multipart/form-data`
/// or `text/plain`; a script there can send `application/json` only after a CORS preflight, which
/// this server never approves. So a request that changes a circuit must carry a JSON body, and,
/// when the browser says where it comes from (`Origin`, `Sec-Fetch-Site`), come from this server's
/// own pages.
enum CrossSiteProtection {
    /// Why a request with `head` may not change a circuit, or `nil` when it may.
    static func refusal(for head: HTTPRequestHead) -> Refusal? {
        if let site = head.headers.first(name: "sec-fetch-site")?.lowercased(), site != "same-origin", site != "none" {
            return Refusal(status: .forbidden, reason: "requests from other sites (Sec-Fetch-Site: \(site)) may not change circuits")
        }
        if let origin = head.headers.first(name: "origin"), !isSameOrigin(origin, host: head.headers.first(name: "host")) {
            return Refusal(status: .forbidden, reason: "requests from other origins may not change circuits")
        }
        let mediaType = head.headers.first(name: "content-type").map {
            ContentNegotiation.ListElement.trimmed($0.prefix { $0 != ";" }).lowercased()
        }
        guard mediaType == "application/json" else {
            return Refusal(
                status: .unsupportedMediaType, reason: #"send the action as JSON, with Content-Type: application/json"#,
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
