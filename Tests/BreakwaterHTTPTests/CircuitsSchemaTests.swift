import Breakwater
import Foundation
import Testing

@testable import BreakwaterHTTP

/// `/circuits` and `/circuits/{name}` against `Schemas/circuits.schema.json`, checked by
/// python-jsonschema, for a registry with a circuit in every state and every configuration shape.
@Suite struct CircuitsSchemaTests {
    static func everyState() throws -> CircuitBreakerRegistry {
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, failureRateThreshold: 0.5, slowCallRateThreshold: 0.9,
                slidingWindow: .timeBased(duration: .seconds(30), buckets: 6),
                openDuration: .exponential(initial: .seconds(5), multiplier: 2, maximum: .seconds(60), jitter: 0.1),
                maximumWaitInHalfOpen: .seconds(20)),
            logger: CircuitStatusTests.silentLogger)
        struct Outage: Error {}
        for round in 0..<25 {
            _ = try? registry.breaker(named: "flapping").run { throw Outage() }
            registry.existingBreaker(named: "flapping")?.reset(reason: "round \(round)")
        }
        _ = try? registry.breaker(named: "open").run { throw Outage() }
        try registry.breaker(named: "forced").forceOpen(reason: "a <b>reason</b> with \"quotes\"")
        try registry.breaker(named: "disabled").disable()
        try registry.breaker(named: "metrics-only").enableMetricsOnly()
        _ = try registry.breaker(named: "count-based", configuration: CircuitBreakerConfiguration())
        return registry
    }

    @Test func theCircuitsDocumentFollowsItsSchema() async throws {
        try await withServer(registry: try Self.everyState()) { _, port in
            let response = try await request("/circuits", port: port)
            let violations = try await schemaViolations(of: response.body)
            #expect(violations == nil, "\(violations ?? "")")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            let circuits = try #require(document["circuits"] as? [[String: Any]])
            let flapping = try #require(circuits.first { $0["name"] as? String == "flapping" })
            #expect((flapping["recentTransitions"] as? [Any])?.count == 20)
        }
    }

    @Test func oneCircuitFollowsTheSchemasCircuit() async throws {
        try await withServer(registry: try Self.everyState()) { _, port in
            for name in ["flapping", "open", "forced", "disabled", "metrics-only", "count-based"] {
                let response = try await request("/circuits/\(name)", port: port)
                let violations = try await schemaViolations(of: response.body, definition: "circuit")
                #expect(violations == nil, "\(name): \(violations ?? "")")
            }
        }
    }

    @Test func theSchemaRejectsWhatItShould() async throws {
        let valid = CircuitsDocument.json([.sample()])
        #expect(try await schemaViolations(of: Array(valid.utf8)) == nil)
        for (broken, replacement) in [
            (#""state":"open""#, #""state":"ajar""#),
            (#""bufferedCalls":10"#, #""bufferedCalls":-1"#),
            (#""manual":false"#, #""manual":"no""#),
            (#""manualControl":false"#, #""manualControl":false,"extra":1"#),
        ] {
            let text = valid.replacingOccurrences(of: broken, with: replacement)
            #expect(text != valid)
            #expect(try await schemaViolations(of: Array(text.utf8)) != nil, "\(replacement)")
        }
    }
}
