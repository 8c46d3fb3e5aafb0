// The checks a request head must pass before it is routed: those that decide whether the
// connection can go on at all. Each failure is answered in the request's turn and closes the
// connection, because what follows on the wire can no longer be trusted to be HTTP/1.1 requests.

import NIOHTTP1

/// The protocol rules a request head is held to (RFC 9110 and RFC 9112).
enum RequestValidation {
    /// Why the connection refuses a request with `head`, or `nil` when it may be routed.
    ///
    /// - `CONNECT`: `405`; tunnels are not this server's business.
    /// - `Upgrade`: `400`; the listener speaks HTTP/1.1 only, and the parser stops at a request
    ///   that asks to switch, so nothing after it on the connection could be read.
    /// - `Host` (RFC 9112, section 3.2): `400` for an HTTP/1.1 request without one, for any request
    ///   with more than one, and for a value that is not a host and an optional port.
    /// - `Expect`: `417` for anything but `100-continue` in HTTP/1.1; HTTP/1.0 expectations are
    ///   ignored, as RFC 9110 section 10.1.1 requires.
    /// - The request target: `400` unless it is a path (`/metrics?x`) or an absolute URI
    ///   (`http://host/metrics`).
    static func refusal(for head: HTTPRequestHead) -> Refusal? {
        if head.method == .CONNECT {
            return Refusal(status: .methodNotAllowed, reason: "CONNECT is not supported", extraHeaders: ["Allow": "GET, HEAD"])
        }
        if head.headers.contains(name: "upgrade") {
            return Refusal(status: .badRequest, reason: "this server does not switch protocols; send the request without Upgrade")
        }
        if let refusal = hostRefusal(head) {
            return refusal
        }
        if isHTTP11OrLater(head), head.headers.contains(name: "expect"),
            head.headers[canonicalForm: "expect"].map({ $0.lowercased() }) != ["100-continue"]
        {
            return Refusal(status: .expectationFailed, reason: "the only expectation supported is 100-continue")
        }
        if RequestTarget.path(of: head.uri) == nil {
            return Refusal(status: .badRequest, reason: "the request target must be a path or an absolute http URI")
        }
        return nil
    }

    /// Whether the client asks for `100 Continue` before it sends the body.
    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        isHTTP11OrLater(head) && head.headers.contains(name: "expect")
    }

    private static func isHTTP11OrLater(_ head: HTTPRequestHead) -> Bool {
        head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
    }

    private static func hostRefusal(_ head: HTTPRequestHead) -> Refusal? {
        let hosts = head.headers["host"]
        if hosts.count > 1 {
            return Refusal(status: .badRequest, reason: "a request carries one Host header field, this one has \(hosts.count)")
        }
        guard let host = hosts.first else {
            return isHTTP11OrLater(head) ? Refusal(status: .badRequest, reason: "an HTTP/1.1 request must carry a Host header field") : nil
        }
        guard isValidHost(host) else {
            return Refusal(status: .badRequest, reason: "the Host header field is not a host and port")
        }
        return nil
    }

    /// Whether `value` can be a `uri-host [ ":" port ]`: the characters of a registered name, an
    /// IPv4 address or a bracketed IPv6 literal, and a colon. Empty is allowed (RFC 9112: a
    /// target without an authority).
    private static func isValidHost(_ value: String) -> Bool {
        value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"),
                UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
                UInt8(ascii: ":"), UInt8(ascii: "%"), UInt8(ascii: "["), UInt8(ascii: "]"):
                true
            default:
                false
            }
        }
    }
}

/// Where a request is aimed, from its request target (RFC 9112, section 3.2).
enum RequestTarget {
    /// The path of `uri` without its query: the target itself in origin form (`/metrics?x`), the
    /// part after the authority in absolute form (`http://host:9465/metrics` → `/metrics`, and `/`
    /// when nothing follows the authority); `nil` for any other form.
    static func path(of uri: String) -> Substring? {
        let withoutQuery = uri.prefix { $0 != "?" && $0 != "#" }
        if withoutQuery.hasPrefix("/") {
            return withoutQuery
        }
        let lowercased = withoutQuery.prefix(8).lowercased()
        for scheme in ["http://", "https://"] where lowercased.hasPrefix(scheme) {
            let afterScheme = withoutQuery.dropFirst(scheme.count)
            guard let slash = afterScheme.firstIndex(of: "/") else {
                return afterScheme.isEmpty ? nil : "/"
            }
            return afterScheme[slash...]
        }
        return nil
    }
}
