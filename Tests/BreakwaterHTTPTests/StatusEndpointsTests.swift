import Breakwater
import BreakwaterMetrics
import Foundation
import NIOCore
import Testing
@testable import BreakwaterHTTP

/// `GET /` and `GET /circuits` over real TCP, with circuit names chosen to break naive escaping.
@Suite struct StatusEndpointsTests {
    static let hostileName = #"</td><script>alert("x")</script>&amp;'\"#

    /// A registry with a healthy circuit and an open one with a hostile name.
    static func registry() throws -> CircuitBreakerRegistry {
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 2)
        )
        _ = try registry.breaker(named: "payments")
        let hostile = try registry.breaker(named: hostileName)
        struct Outage: Error {}
        for _ in 0..<2 {
            _ = try? hostile.run { throw Outage() }
        }
        return registry
    }

    @Test func theStatusPageListsEveryCircuitWithItsStateEscaped() async throws {
        try await withServer(registry: try Self.registry()) { _, port in
            let response = try await request("/", port: port)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            let page = response.text
            #expect(page.hasPrefix("<!doctype html>"))
            #expect(page.contains(#"href="/metrics""#))
            #expect(page.contains("payments"))
            #expect(!page.contains("<script>alert"))
            #expect(page.contains("&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&#39;\\"))
            #expect(page.contains("state-open"))
            #expect(page.contains("state-closed"))
        }
    }

    @Test func theCircuitsDocumentIsJSONThatRoundTripsTheNames() async throws {
        try await withServer(registry: try Self.registry()) { _, port in
            let response = try await request("/circuits", port: port)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(!response.text.contains("</"))
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            let circuits = try #require(document["circuits"] as? [[String: Any]])
            let names = circuits.compactMap { $0["name"] as? String }
            #expect(Set(names) == ["payments", Self.hostileName])
            let states = Dictionary(uniqueKeysWithValues: circuits.map { ($0["name"] as? String ?? "", $0["state"] as? String ?? "") })
            #expect(states[Self.hostileName] == "open")
            #expect(states["payments"] == "closed")
        }
    }

    @Test func withoutARegistryBothEndpointsAnswerWithNoCircuits() async throws {
        try await withServer { _, port in
            let page = try await request("/", port: port)
            let document = try await request("/circuits", port: port)
            #expect(page.status == 200)
            #expect(page.text.contains("No circuits are registered."))
            #expect(document.text.hasSuffix("\"circuits\":[]}\n"))
            #expect(document.text.contains("\"total\":0,"))
        }
    }

    @Test func headOnTheStatusEndpointsSendsNoBody() async throws {
        try await withServer(registry: try Self.registry()) { _, port in
            for path in ["/", "/circuits"] {
                let get = try await request(path, port: port)
                let head = try await request(path, method: "HEAD", port: port)
                #expect(head.status == 200)
                #expect(head.body.isEmpty)
                #expect(head.header("Content-Type") == get.header("Content-Type"))
            }
        }
    }

    @Test func theStatusPageAndTheJSONAreGzippedWhenTheClientTakesIt() async throws {
        try await withServer { _, port in
            for path in ["/", "/circuits"] {
                let response = try await request(path, port: port, headers: [("Accept-Encoding", "gzip")])
                #expect(response.status == 200)
                #expect(response.header("Content-Encoding") == "gzip", "\(path)")
                #expect(response.header("Vary") == "Accept-Encoding, Accept")
                let text = String(decoding: try gunzip(ByteBuffer(bytes: response.body)), as: UTF8.self)
                #expect(text.contains(path == "/" ? "<!doctype html>" : "\"circuits\":["))
            }
        }
    }
}
