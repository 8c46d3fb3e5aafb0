import NIOHTTP1
import Testing
@testable import BreakwaterHTTP

/// The protocol rules a head is held to, without a socket.
@Suite struct RequestValidationTests {
    static func head(
        _ headers: [(String, String)], method: HTTPMethod = .GET, uri: String = "/metrics", version: HTTPVersion = .http1_1
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    @Test func anOrdinaryScrapeIsRouted() {
        #expect(RequestValidation.refusal(for: Self.head([("Host", "127.0.0.1:9465"), ("Accept", "*/*")])) == nil)
        #expect(RequestValidation.refusal(for: Self.head([("Host", "[::1]:9465")])) == nil)
        #expect(RequestValidation.refusal(for: Self.head([("Host", "")])) == nil)
    }

    @Test func eachRuleHasItsStatus() {
        let cases: [(HTTPRequestHead, HTTPResponseStatus)] = [
            (Self.head([("Host", "example.com:443")], method: .CONNECT, uri: "example.com:443"), .methodNotAllowed),
            (Self.head([("Host", "x"), ("Upgrade", "websocket"), ("Connection", "Upgrade")]), .badRequest),
            (Self.head([("Host", "x"), ("Upgrade", "h2c")]), .badRequest),
            (Self.head([]), .badRequest),
            (Self.head([("Host", "a"), ("Host", "a")]), .badRequest),
            (Self.head([("Host", "a"), ("Host", "b")], version: .http1_0), .badRequest),
            (Self.head([("Host", "a b")]), .badRequest),
            (Self.head([("Host", "a/b")]), .badRequest),
            (Self.head([("Host", "x"), ("Expect", "teapot")]), .expectationFailed),
            (Self.head([("Host", "x"), ("Expect", "100-continue, teapot")]), .expectationFailed),
            (Self.head([("Host", "x")], uri: "example.com:80"), .badRequest),
            (Self.head([("Host", "x")], uri: "*"), .badRequest),
        ]
        for (head, status) in cases {
            #expect(RequestValidation.refusal(for: head)?.status == status, "\(head)")
        }
    }

    @Test func http10IgnoresExpectationsAndNeedsNoHost() {
        let head = Self.head([("Expect", "teapot")], version: .http1_0)
        #expect(RequestValidation.refusal(for: head) == nil)
        #expect(!RequestValidation.expectsContinue(head))
    }

    @Test func expect100ContinueIsAcceptedInAnyCase() {
        let head = Self.head([("Host", "x"), ("Expect", "100-Continue")])
        #expect(RequestValidation.refusal(for: head) == nil)
        #expect(RequestValidation.expectsContinue(head))
    }

    @Test(arguments: [
        ("/metrics", "/metrics"), ("/metrics?x=1", "/metrics"), ("/", "/"),
        ("http://h/metrics", "/metrics"), ("HTTPS://h:1/a/b?q", "/a/b"), ("http://h", "/"), ("http://h?q", "/"),
    ])
    func theTargetsPathIsFound(uri: String, path: String) {
        #expect(RequestTarget.path(of: uri) == path[...])
    }

    @Test(arguments: ["*", "example.com:443", "ftp://h/metrics", "http://", ""])
    func otherTargetFormsHaveNoPath(uri: String) {
        #expect(RequestTarget.path(of: uri) == nil)
    }
}
