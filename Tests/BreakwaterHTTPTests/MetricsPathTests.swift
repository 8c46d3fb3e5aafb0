import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import NIOCore
import Testing
@testable import BreakwaterHTTP

/// `/metrics` over real TCP: negotiation of format and encoding, HEAD, and the wrong method.
@Suite struct MetricsPathTests {
    /// What Prometheus 2.42 (Debian's) sends as `Accept` when it scrapes.
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// A collector with one counter whose value the tests know.
    static func collector() throws -> MetricsCollector {
        let collector = MetricsCollector(processMetrics: false)
        try collector.counter(name: "orders_total", help: "Orders taken.", labelNames: ["shop"]).labels("north").increment(by: 42)
        return collector
    }

    @Test func plainGetServesTextFormatWithItsContentType() async throws {
        let collector = try Self.collector()
        try await withServer(collector: collector) { _, port in
            let response = try await request("/metrics", port: port)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(response.header("Content-Encoding") == nil)
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.text.contains("orders_total{shop=\"north\"} 42\n"))
            #expect(!response.text.contains("# EOF"))
        }
    }

    @Test func prometheusAcceptHeaderGetsOpenMetrics() async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            let response = try await request("/metrics", port: port, headers: [("Accept", Self.prometheusAccept)])
            #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            #expect(response.text.hasSuffix("# EOF\n"))
            let families = try await parseWithPrometheusClient(response.text, format: .openMetrics)
            #expect(families.sample(named: "orders_total", labels: ["shop": "north"])?.hasValue(42) == true)
        }
    }

    @Test func textFormatPassesPromtool() async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            let response = try await request("/metrics", port: port)
            try await expectPromtoolAccepts(response.text)
        }
    }

    @Test(arguments: ["gzip", "gzip, deflate, br", "deflate, gzip;q=0.8", "*", "GZIP"])
    func gzipWhenAcceptEncodingAllowsIt(acceptEncoding: String) async throws {
        let collector = try Self.collector()
        try await withServer(collector: collector) { _, port in
            let response = try await request("/metrics", port: port, headers: [("Accept-Encoding", acceptEncoding)])
            #expect(response.header("Content-Encoding") == "gzip")
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.header("Vary")?.contains("Accept-Encoding") == true)
            let text = String(decoding: try gunzip(ByteBuffer(bytes: response.body)), as: UTF8.self)
            #expect(text.contains("orders_total{shop=\"north\"} 42\n"))
        }
    }

    @Test(arguments: ["gzip;q=0", "identity", "deflate", "gzip;q=0.5, identity", "*;q=0", ""])
    func identityWhenGzipIsRefusedOrNotPreferred(acceptEncoding: String) async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            let response = try await request("/metrics", port: port, headers: [("Accept-Encoding", acceptEncoding)])
            #expect(response.header("Content-Encoding") == nil)
            #expect(response.header("Vary")?.contains("Accept-Encoding") == true)
            #expect(response.text.contains("orders_total{shop=\"north\"} 42\n"))
        }
    }

    @Test func curlCompressedDecodesTheGzipBody() async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            let run = try await runExternalTool(
                URL(fileURLWithPath: "/usr/bin/curl"),
                arguments: ["--silent", "--show-error", "--compressed", "--dump-header", "/dev/stderr",
                            "http://127.0.0.1:\(port)/metrics"],
                input: [],
                mergeOutput: false
            )
            #expect(run.exitCode == 0)
            #expect(String(decoding: run.standardError, as: UTF8.self).lowercased().contains("content-encoding: gzip"))
            #expect(String(decoding: run.standardOutput, as: UTF8.self).contains("orders_total{shop=\"north\"} 42\n"))
        }
    }

    @Test func headSendsTheHeadersOfGetWithoutABody() async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            for encoding in ["identity", "gzip"] {
                let headers = [("Accept-Encoding", encoding), ("Accept", Self.prometheusAccept)]
                // The listener's own metrics grow a series on the first scrape of each kind;
                // after one, the exposition keeps its shape.
                _ = try await request("/metrics", port: port, headers: headers)
                let head = try await offloaded {
                    let connection = try RawConnection(port: port)
                    try connection.send(
                        "HEAD /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: \(encoding)\r\nAccept: \(Self.prometheusAccept)\r\n\r\n"
                        + "GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    )
                    let head = try connection.readResponse(head: true)
                    // The next response starts right where the HEAD response's headers end:
                    // no body bytes were sent in between.
                    let next = try connection.readResponse()
                    #expect(next.status == 404)
                    return head
                }
                let get = try await request("/metrics", port: port, headers: headers)
                #expect(head.status == 200)
                for name in ["Content-Type", "Content-Encoding", "Vary"] {
                    #expect(head.header(name) == get.header(name), "\(name)")
                }
                // Same length, give or take the digits of a value that moved between the two.
                let getLength = try #require(get.header("Content-Length").flatMap(Int.init))
                let headLength = try #require(head.header("Content-Length").flatMap(Int.init))
                #expect(abs(getLength - headLength) < 64)
            }
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
    func otherMethodsGet405WithAllow(method: String) async throws {
        try await withServer { _, port in
            let response = try await request("/metrics", method: method, port: port, headers: [("Content-Length", "0")])
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
        }
    }

    @Test(arguments: ["/metric", "/metrics/", "/favicon.ico", "/METRICS", "//metrics"])
    func unknownPathsGet404(path: String) async throws {
        try await withServer { _, port in
            let response = try await request(path, port: port)
            #expect(response.status == 404)
        }
    }

    @Test func aQueryStringStillReachesTheMetrics() async throws {
        try await withServer(collector: try Self.collector()) { _, port in
            let response = try await request("/metrics?name[]=orders_total", port: port)
            #expect(response.status == 200)
        }
    }

    @Test func aCustomMetricsPathServesTheExposition() async throws {
        try await withServer(collector: try Self.collector(), configure: { $0.metricsPath = "/internal/prometheus" }) { _, port in
            let custom = try await request("/internal/prometheus", port: port)
            let standard = try await request("/metrics", port: port)
            #expect(custom.status == 200)
            #expect(standard.status == 404)
        }
    }

    @Test func scrapesAreCountedInTheListenersOwnMetrics() async throws {
        let collector = try Self.collector()
        try await withServer(collector: collector) { _, port in
            _ = try await request("/metrics", port: port)
            _ = try await request("/metrics", port: port, headers: [("Accept-Encoding", "gzip")])
            _ = try await request("/metrics", method: "POST", port: port, headers: [("Content-Length", "0")])
            let text = try await request("/metrics", port: port).text
            #expect(text.contains("breakwater_scrape_requests_total{code=\"200\"} 2\n"))
            #expect(text.contains("breakwater_scrape_requests_total{code=\"405\"} 1\n"))
            #expect(text.contains("breakwater_scrape_requests_in_flight 1\n"))
            #expect(text.contains("breakwater_scrape_duration_seconds_count 2\n"))
            #expect(text.contains("breakwater_scrape_response_bytes_total{encoding=\"gzip\"}"))
            #expect(text.contains("breakwater_scrape_requests_total{code=\"503\"} 0\n"))
        }
    }
}
