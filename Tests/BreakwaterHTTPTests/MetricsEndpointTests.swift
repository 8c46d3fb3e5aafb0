import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import BreakwaterHTTP

/// ``MetricsEndpoint``, the exposition for an application's own router, without sockets: what a
/// request's `Accept` and `Accept-Encoding` get, and the limits it shares with ``MetricsServer``.
@Suite struct MetricsEndpointTests {
    /// A collector with one counter whose value the tests know.
    static func collector() throws -> MetricsCollector {
        try MetricsPathTests.collector()
    }

    static let prometheusAccept = MetricsPathTests.prometheusAccept

    @Test func noAcceptGetsTextFormatWithTheServersHeaders() async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(accept: nil, acceptEncoding: nil)
        #expect(response.status == 200)
        #expect(response.headers.map(\.name) == ["Content-Type", "Vary", "Cache-Control"])
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.header("Vary") == "Accept-Encoding, Accept")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.contentLength == response.body.readableBytes)
        #expect(response.text.contains("orders_total{shop=\"north\"} 42\n"))
        #expect(!response.text.contains("# EOF"))
    }

    @Test(arguments: [MetricsPathTests.prometheusAccept, "application/openmetrics-text; version=1.0.0", "application/openmetrics-text"])
    func openMetricsWhenAcceptPrefersIt(accept: String) async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(accept: accept, acceptEncoding: nil)
        #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(response.text.hasSuffix("# EOF\n"))
        let families = try await parseWithPrometheusClient(response.text, format: .openMetrics)
        #expect(families.sample(named: "orders_total", labels: ["shop": "north"])?.hasValue(42) == true)
    }

    @Test(arguments: ["text/plain", "*/*", "application/json", "application/openmetrics-text; version=2.0.0", "application/openmetrics-text;q=0.5, text/plain"])
    func textFormatOtherwise(accept: String) async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(accept: accept, acceptEncoding: nil)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func everyValueOfARepeatedFieldCounts() async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(
            accept: ["text/plain;q=0.5", "application/openmetrics-text;version=1.0.0"],
            acceptEncoding: ["identity;q=0.5", "gzip"]
        )
        #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(response.header("Content-Encoding") == "gzip")
    }

    @Test(arguments: ["gzip", "gzip, deflate, br", "deflate, gzip;q=0.8", "*", "GZIP", "x-gzip"])
    func gzipWhenAcceptEncodingAllowsIt(acceptEncoding: String) async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(accept: nil, acceptEncoding: acceptEncoding)
        #expect(response.status == 200)
        #expect(response.headers.map(\.name) == ["Content-Type", "Vary", "Cache-Control", "Content-Encoding"])
        #expect(response.header("Content-Encoding") == "gzip")
        #expect(response.contentLength == response.body.readableBytes)
        let text = String(decoding: try gunzip(response.body), as: UTF8.self)
        #expect(text.contains("orders_total{shop=\"north\"} 42\n"))
    }

    @Test(arguments: ["gzip;q=0", "identity", "deflate", "gzip;q=0.5, identity", "*;q=0", "", "gzip;q=2"])
    func identityWhenGzipIsRefusedOrNotPreferred(acceptEncoding: String) async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        let response = await endpoint.response(accept: nil, acceptEncoding: acceptEncoding)
        #expect(response.header("Content-Encoding") == nil)
        #expect(response.header("Vary") == "Accept-Encoding, Accept")
        #expect(response.text.contains("orders_total{shop=\"north\"} 42\n"))
    }

    /// Large enough that the exposition is rendered and compressed in many pieces.
    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func gzipBodiesDecompressToTheIdentityBody(format: ExpositionFormat) async throws {
        let endpoint = try MetricsEndpoint(collector: try wideCollector(series: 30_000))
        let accept = format == .openMetrics ? Self.prometheusAccept : "text/plain"
        let identity = await endpoint.response(accept: accept, acceptEncoding: "identity")
        let gzip = await endpoint.response(accept: accept, acceptEncoding: "gzip")
        #expect(identity.body.readableBytes > 4 * BodyRenderer.chunkSize)
        #expect(gzip.body.readableBytes < identity.body.readableBytes / 4)
        // The endpoint's own series count the requests, so they differ between the two renders;
        // every other byte must be the same.
        let decompressed = String(decoding: try gunzip(gzip.body), as: UTF8.self)
        #expect(Self.withoutOwnSeries(decompressed) == Self.withoutOwnSeries(identity.text))
        #expect(Self.withoutOwnSeries(identity.text).count > 4 * BodyRenderer.chunkSize)
    }

    @Test func headGetsTheHeadersAndLengthOfGetWithoutABody() async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector())
        for encoding in ["identity", "gzip"] {
            // The endpoint's own metrics grow a series on the first request of each kind; after
            // one, the exposition keeps its shape.
            _ = await endpoint.response(accept: Self.prometheusAccept, acceptEncoding: encoding)
            let head = await endpoint.response(accept: Self.prometheusAccept, acceptEncoding: encoding, isHead: true)
            let get = await endpoint.response(accept: Self.prometheusAccept, acceptEncoding: encoding)
            #expect(head.status == 200)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers.map(\.name) == get.headers.map(\.name))
            #expect(head.headers.map(\.value) == get.headers.map(\.value))
            // Same length, give or take the digits of a value that moved between the two.
            #expect(abs(head.contentLength - get.contentLength) < 64)
        }
    }

    @Test func answersWithTheHeadersTheServerSends() async throws {
        let collector = try Self.collector()
        let endpoint = try MetricsEndpoint(collector: collector)
        try await withServer(collector: collector) { _, port in
            for (accept, encoding) in [(Self.prometheusAccept, "gzip"), ("text/plain", "identity")] {
                let served = try await request("/metrics", port: port, headers: [("Accept", accept), ("Accept-Encoding", encoding)])
                let answered = await endpoint.response(accept: accept, acceptEncoding: encoding)
                for field in answered.headers {
                    #expect(served.header(field.name) == field.value, "\(field.name)")
                }
                #expect(served.header("Content-Encoding") == answered.header("Content-Encoding"))
            }
        }
    }

    @Test func aRequestThatNeedsARenderWhenTheBudgetIsSpentGets503() async throws {
        let collector = try Self.collector()
        let gate = ScrapeGate(on: collector)
        let endpoint = try MetricsEndpoint(collector: collector, maximumConcurrentScrapes: 1)
        async let held = endpoint.response(accept: nil, acceptEncoding: nil)
        #expect(try await offloaded { gate.waitForHeldScrape() })
        let refused = await endpoint.response(accept: nil, acceptEncoding: "gzip")
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(refused.header("Cache-Control") == "no-store")
        #expect(refused.text == "503 Service Unavailable\n")
        #expect(refused.contentLength == refused.body.readableBytes)
        gate.open()
        #expect(await held.status == 200)
    }

    @Test func aResponseHoldsItsBodysPlaceInTheBudgetUntilReleased() async throws {
        let endpoint = try MetricsEndpoint(collector: try Self.collector(), maximumConcurrentScrapes: 1)
        var kept: MetricsResponse? = await endpoint.response(accept: nil, acceptEncoding: nil)
        #expect(kept?.status == 200)
        #expect(await endpoint.response(accept: nil, acceptEncoding: "gzip").status == 503)
        #expect(kept?.status == 200)
        kept = nil
        // The event loop that completed the render may let go of it a moment after the response
        // was handed over.
        var status = 0
        for _ in 0..<100 {
            status = await endpoint.response(accept: nil, acceptEncoding: "gzip").status
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(status == 200)
    }

    @Test func aRenderThatFailsGets500() async throws {
        let collector = try Self.collector()
        // A pool that was never started runs nothing.
        let endpoint = try MetricsEndpoint(collector: collector, threadPool: NIOThreadPool(numberOfThreads: 1))
        let response = await endpoint.response(accept: nil, acceptEncoding: nil)
        #expect(response.status == 500)
        #expect(response.text == "500 Internal Server Error\n")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        var text: [UInt8] = []
        collector.render(.prometheusText, into: &text)
        #expect(String(decoding: text, as: UTF8.self).contains("breakwater_scrape_requests_total{code=\"500\"} 1\n"))
    }

    @Test func concurrentRequestsShareARenderAndNeverGetTheOneInProgress() async throws {
        let counted = try SharedRenderTests.CountedCollector()
        let gate = ScrapeGate(on: counted.collector)
        let endpoint = try MetricsEndpoint(collector: counted.collector)
        async let first = endpoint.response(accept: nil, acceptEncoding: nil)
        #expect(try await offloaded { gate.waitForHeldScrape() })
        // Twenty requests arrive while the first render is held.
        async let later = withTaskGroup(of: MetricsResponse.self) { group in
            for _ in 0..<20 {
                group.addTask { await endpoint.response(accept: nil, acceptEncoding: nil) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // All twenty are waiting for a body (each counts itself in flight just before).
        #expect(try await eventually { endpoint.metrics.inFlight.value == 21 })
        gate.open()
        #expect(SharedRenderTests.renderNumber(in: await first.text) == 1)
        let responses = await later
        #expect(responses.count == 20)
        #expect(responses.allSatisfy { SharedRenderTests.renderNumber(in: $0.text) == 2 })
        #expect(counted.count == 2)
    }

    #if os(Linux)
    @Test func rendersRunOnTheGivenThreadPool() async throws {
        let collector = try Self.collector()
        let threadName = Mutex<String?>(nil)
        collector.addCollectHook {
            let name = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
            threadName.withLock { $0 = name }
        }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let endpoint = try MetricsEndpoint(collector: collector, threadPool: pool)
        #expect(await endpoint.response(accept: nil, acceptEncoding: "gzip").status == 200)
        // NIOThreadPool names its threads TP-#0, TP-#1, ...; the shared pool's are SGLTN-TP-#0, ...
        #expect(threadName.withLock { $0 }?.hasPrefix("TP-#") == true)
        try await pool.shutdownGracefully()
    }
    #endif

    @Test func requestsAreCountedInTheListenersOwnMetrics() async throws {
        let collector = try Self.collector()
        let endpoint = try MetricsEndpoint(collector: collector)
        _ = await endpoint.response(accept: nil, acceptEncoding: nil)
        _ = await endpoint.response(accept: nil, acceptEncoding: "gzip")
        let text = await endpoint.response(accept: nil, acceptEncoding: nil).text
        #expect(text.contains("breakwater_scrape_requests_total{code=\"200\"} 2\n"))
        #expect(text.contains("breakwater_scrape_requests_total{code=\"503\"} 0\n"))
        #expect(text.contains("breakwater_scrape_requests_in_flight 1\n"))
        #expect(text.contains("breakwater_scrape_duration_seconds_count 2\n"))
        #expect(text.contains("breakwater_scrape_response_bytes_total{encoding=\"gzip\"}"))
    }

    @Test func anEndpointAndAServerShareOneCollector() async throws {
        let collector = try Self.collector()
        let endpoint = try MetricsEndpoint(collector: collector)
        try await withServer(collector: collector) { _, port in
            let served = try await request("/metrics", port: port)
            #expect(served.status == 200)
            let text = await endpoint.response(accept: nil, acceptEncoding: nil).text
            #expect(text.contains("breakwater_scrape_requests_total{code=\"200\"} 1\n"))
        }
    }

    @Test(arguments: [(0, 1, "maximumConcurrentScrapes"), (1, 0, "compressionLevel"), (1, 10, "compressionLevel")])
    func limitsOutOfRangeAreRefused(maximumConcurrentScrapes: Int, compressionLevel: Int, field: String) throws {
        #expect {
            try MetricsEndpoint(
                collector: MetricsCollector(processMetrics: false),
                maximumConcurrentScrapes: maximumConcurrentScrapes,
                compressionLevel: compressionLevel
            )
        } throws: { error in
            guard case .invalidConfiguration(let named, _, _)? = error as? MetricsServerError else { return false }
            return named == field
        }
    }

    @Test func aCollectorHoldingAConflictingFamilyIsReported() throws {
        let collector = MetricsCollector(processMetrics: false)
        _ = try collector.gauge(name: "breakwater_scrape_requests_total", help: "Something else.")
        #expect {
            try MetricsEndpoint(collector: collector)
        } throws: { error in
            guard case .selfMetricsConflict? = error as? MetricsServerError else { return false }
            return "\(error)".contains("breakwater_scrape_requests")
        }
    }

    /// `text` without the lines of the endpoint's own families.
    static func withoutOwnSeries(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("breakwater_scrape_") }
            .joined(separator: "\n")
    }
}

extension MetricsResponse {
    /// The value of the first field called `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text.
    var text: String {
        String(decoding: body.readableBytesView, as: UTF8.self)
    }
}
