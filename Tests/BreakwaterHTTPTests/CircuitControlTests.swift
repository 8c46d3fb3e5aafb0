import Breakwater
import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Logging
import Testing

@testable import BreakwaterHTTP

/// `GET` and `POST /circuits/{name}` over real TCP: one circuit as JSON, and manual control with
/// its guards (authentication, off by default, no cross-site requests).
@Suite struct CircuitControlTests {
    static let user = "alice"
    static let authorization = ("Authorization", "Basic " + Data("alice:s3cret".utf8).base64EncodedString())
    static let json = ("Content-Type", "application/json")

    /// A registry whose `payments` circuit is open, with its metrics in `collector`.
    static func openPayments() throws -> (CircuitBreakerRegistry, MetricsCollector) {
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 2),
            logger: CircuitStatusTests.silentLogger)
        let payments = try registry.breaker(named: "payments")
        _ = try registry.breaker(named: "search")
        struct Outage: Error {}
        for _ in 0..<2 {
            _ = try? payments.run { throw Outage() }
        }
        let collector = MetricsCollector(processMetrics: false)
        try collector.recordMetrics(of: registry)
        return (registry, collector)
    }

    /// Runs `body` against a server with basic authentication and, if `control`, manual control.
    func withControlServer<Result: Sendable>(
        registry: CircuitBreakerRegistry, collector: MetricsCollector = MetricsCollector(processMetrics: false),
        control: Bool = true, _ body: (Int) async throws -> Result
    ) async throws -> Result {
        try await withServer(collector: collector, registry: registry, configure: {
            $0.basicAuthentication = try? BasicAuthentication(username: Self.user, password: "s3cret")
            $0.manualControl = control
        }) { _, port in try await body(port) }
    }

    /// `POST /circuits/{name}` with `body` and the headers given, authorized unless `headers`
    /// says otherwise.
    func post(_ name: String, _ body: String, port: Int, headers: [(String, String)] = [authorization, json]) async throws -> RawResponse {
        try await request(
            "/circuits/\(PercentEncoding.encode(name))", method: "POST", port: port, host: "127.0.0.1:\(port)",
            headers: headers, body: body)
    }

    /// The sum of `circuit_breaker_transitions_total` for `circuit` into `to`, read by client_python.
    func transitions(of circuit: String, to: String, port: Int) async throws -> Double {
        let metrics = try await request("/metrics", port: port, headers: [Self.authorization])
        let families = try await parseWithPrometheusClient(metrics.body, format: .text004)
        let samples: [ParsedSample] = families.flatMap(\.samples).filter { sample in
            sample.name == "circuit_breaker_transitions_total" && sample.labels["circuit"] == circuit && sample.labels["to"] == to
        }
        return samples.reduce(0) { $0 + $1.doubleValue }
    }

    func object(_ response: RawResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func aManualResetClosesAnOpenCircuitInTheUsersNameAndCountsTheTransition() async throws {
        let (registry, collector) = try Self.openPayments()
        try await withControlServer(registry: registry, collector: collector) { port in
            let before = try await transitions(of: "payments", to: "closed", port: port)

            let response = try await post("payments", #"{"action": "reset"}"#, port: port)

            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let circuit = try object(response)
            #expect(circuit["state"] as? String == "closed")
            let latest = try #require((circuit["recentTransitions"] as? [[String: Any]])?.first)
            #expect(latest["from"] as? String == "open")
            #expect(latest["to"] as? String == "closed")
            #expect(latest["manual"] as? Bool == true)
            #expect(latest["reason"] as? String == "set by hand: reset by alice over HTTP")
            #expect(registry.existingBreaker(named: "payments")?.state == .closed)
            let listed = try object(try await request("/circuits/payments", port: port, headers: [Self.authorization]))
            #expect((listed["recentTransitions"] as? [[String: Any]])?.first?["reason"] as? String == "set by hand: reset by alice over HTTP")
            #expect(try await transitions(of: "payments", to: "closed", port: port) == before + 1)
        }
    }

    @Test func aChangeIsLoggedWithWhoDidWhatToWhichCircuit() async throws {
        let (registry, collector) = try Self.openPayments()
        let records = LogRecords()
        let server = try MetricsServer(
            collector: collector, registry: registry,
            configuration: MetricsServerConfiguration(
                host: "127.0.0.1", port: 0,
                basicAuthentication: try BasicAuthentication(username: Self.user, password: "s3cret"), manualControl: true),
            logger: Logger(label: "test") { _ in CapturingLogHandler(records: records) })
        let port = try #require(try await server.start().port)
        let response = try await post("payments", #"{"action":"force-open"}"#, port: port)
        await server.stop()

        #expect(response.status == 200)
        let line = try #require(records.lines.withLock { $0.first { $0.message == "circuit state set over HTTP" } })
        #expect(line.level == .info)
        #expect(line.metadata["circuit"] == "payments")
        #expect(line.metadata["action"] == "force-open")
        #expect(line.metadata["user"] == "alice")
        #expect(line.metadata["from"] == "open")
        #expect(line.metadata["to"] == "forced_open")
        #expect(line.metadata["client"]?.contains("127.0.0.1") == true)
    }

    @Test(arguments: [
        ("force-open", CircuitState.forcedOpen), ("disable", .disabled), ("metrics-only", .metricsOnly), ("reset", .closed),
    ])
    func everyActionSetsItsState(_ action: String, _ state: CircuitState) async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            let response = try await post("search", #"{"action":"\#(action)"}"#, port: port)
            #expect(response.status == 200)
            #expect(try object(response)["state"] as? String == state.description)
            #expect(registry.existingBreaker(named: "search")?.state == state)
        }
    }

    @Test func repeatingAnActionChangesNothingMore() async throws {
        let (registry, collector) = try Self.openPayments()
        try await withControlServer(registry: registry, collector: collector) { port in
            for _ in 0..<2 {
                #expect(try await post("payments", #"{"action":"force-open"}"#, port: port).status == 200)
            }
            let circuit = try object(try await request("/circuits/payments", port: port, headers: [Self.authorization]))
            let reasons = (circuit["recentTransitions"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }
            #expect(reasons?.filter { $0.contains("force-open") }.count == 1)
            #expect(try await transitions(of: "payments", to: "forced_open", port: port) == 1)
        }
    }

    @Test func withOperatorsOnlyTheyMayChangeCircuitsAndEachChangeNamesWhoMadeIt() async throws {
        let (registry, collector) = try Self.openPayments()
        let bob = ("Authorization", "Basic " + Data("bob:b0b-secret".utf8).base64EncodedString())
        try await withServer(collector: collector, registry: registry, configure: {
            $0.basicAuthentication = try? BasicAuthentication(username: Self.user, password: "s3cret")
            $0.manualControl = true
            $0.operators = [try! BasicAuthentication(username: "bob", password: "b0b-secret")]
        }) { _, port in
            let byScraper = try await post("payments", #"{"action":"reset"}"#, port: port)
            #expect(byScraper.status == 403)
            #expect(byScraper.text.contains(#""alice" may read circuits but not change them"#))
            #expect(registry.existingBreaker(named: "payments")?.state == .open)

            let byOperator = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [bob, Self.json])
            #expect(byOperator.status == 200)
            let latest = (try object(byOperator)["recentTransitions"] as? [[String: Any]])?.first
            #expect(latest?["reason"] as? String == "set by hand: reset by bob over HTTP")

            #expect(try await request("/metrics", port: port, headers: [bob]).status == 200)
            #expect(try await request("/", port: port, headers: [Self.authorization]).status == 200)
            let wrong = ("Authorization", "Basic " + Data("bob:s3cret".utf8).base64EncodedString())
            #expect(try await request("/metrics", port: port, headers: [wrong]).status == 401)
        }
    }

    @Test func aRequestPipelinedAfterAChangeReadsIt() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            let body = #"{"action":"force-open"}"#
            let auth = "Authorization: \(Self.authorization.1)\r\n"
            let responses = try await offloaded {
                let connection = try RawConnection(port: port)
                try connection.send(
                    "GET /circuits HTTP/1.1\r\nHost: x\r\n\(auth)\r\n"
                        + "POST /circuits/search HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                        + "GET /circuits HTTP/1.1\r\nHost: x\r\n\(auth)Connection: close\r\n\r\n")
                return [try connection.readResponse(), try connection.readResponse(), try connection.readResponse()]
            }
            #expect(responses.map(\.status) == [200, 200, 200])
            #expect(responses[0].text.contains(#""name":"search","state":"closed""#))
            #expect(responses[2].text.contains(#""name":"search","state":"forced_open""#))
        }
    }

    @Test func withoutCredentialsAChangeIsUnauthorized() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            let response = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [Self.json])
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic ") == true)
            #expect(registry.existingBreaker(named: "payments")?.state == .open)
        }
    }

    @Test func withControlOffAChangeIsNotAllowed() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry, control: false) { port in
            let response = try await post("payments", #"{"action":"reset"}"#, port: port)
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
            #expect(registry.existingBreaker(named: "payments")?.state == .open)
        }
        // Off by default, with or without authentication.
        try await withServer(registry: registry) { _, port in
            let response = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [Self.json])
            #expect(response.status == 405)
            #expect(registry.existingBreaker(named: "payments")?.state == .open)
        }
        #expect(MetricsServerConfiguration().manualControl == false)
    }

    @Test func controlWithoutAuthenticationRefusesToStart() {
        let error = #expect(throws: MetricsServerError.self) {
            try MetricsServer(
                collector: MetricsCollector(processMetrics: false),
                configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0, manualControl: true))
        }
        guard case .invalidConfiguration(let field, _, _) = error else {
            Issue.record("expected invalidConfiguration, got \(String(describing: error))")
            return
        }
        #expect(field == "manualControl")
    }

    @Test func aCrossOriginFormPostIsRefused() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            // What a form on another site makes the operator's browser send, credentials included.
            let form = try await post("payments", "action=reset", port: port, headers: [
                Self.authorization, ("Origin", "http://attacker.example"), ("Sec-Fetch-Site", "cross-site"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ])
            #expect(form.status == 403)
            // A browser's own request must be JSON: a form on this very page could not be either.
            for type in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"] {
                let response = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [
                    Self.authorization, ("Content-Type", type), ("Sec-Fetch-Site", "same-origin"),
                ])
                #expect(response.status == 415, "\(type)")
            }
            // The body a text/plain form on another site sends from a browser too old to say
            // where it comes from: the form's `=` keeps it from being a single action.
            let textForm = try await post("payments", #"{"action":"reset","x":"="}"#, port: port, headers: [
                Self.authorization, ("Content-Type", "text/plain"),
            ])
            #expect(textForm.status == 400)
            let otherOrigin = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [
                Self.authorization, Self.json, ("Origin", "http://127.0.0.1:\(port + 1)"),
            ])
            #expect(otherOrigin.status == 403)
            #expect(registry.existingBreaker(named: "payments")?.state == .open)

            let sameOrigin = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [
                Self.authorization, Self.json, ("Origin", "http://127.0.0.1:\(port)"), ("Sec-Fetch-Site", "same-origin"),
            ])
            #expect(sameOrigin.status == 200)
            #expect(registry.existingBreaker(named: "payments")?.state == .closed)

            // Behind a reverse proxy that rewrote Host, the browser's own Sec-Fetch-Site decides.
            let proxied = try await post("payments", #"{"action":"force-open"}"#, port: port, headers: [
                Self.authorization, Self.json, ("Origin", "https://breakwater.example.com"), ("Sec-Fetch-Site", "same-origin"),
            ])
            #expect(proxied.status == 200)
            #expect(registry.existingBreaker(named: "payments")?.state == .forcedOpen)
        }
    }

    @Test func aToolThatSendsNoContentTypeOrAFormsStillChangesACircuitWithAJSONBody() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            // What `curl -d '{"action":"reset"}'` and Python's urllib send by default.
            let curl = try await post("payments", #"{"action":"reset"}"#, port: port, headers: [
                Self.authorization, ("Content-Type", "application/x-www-form-urlencoded"),
            ])
            #expect(curl.status == 200)
            #expect(registry.existingBreaker(named: "payments")?.state == .closed)
            let bare = try await post("payments", #"{"action":"force-open"}"#, port: port, headers: [Self.authorization])
            #expect(bare.status == 200)
            #expect(registry.existingBreaker(named: "payments")?.state == .forcedOpen)
        }
    }

    @Test(arguments: [
        ("", 400), ("reset", 400), (#"{"action":"explode"}"#, 400), (#"{"action":"reset","extra":"x"}"#, 400),
        (#"{"action":1}"#, 400), (#"{"action":"reset"} {}"#, 400), (#"["reset"]"#, 400),
        (#"{"action":"reset""# + String(repeating: " ", count: 2_000) + "}", 413),
    ])
    func aBodyThatNamesNoActionIsRefusedAndChangesNothing(_ body: String, _ status: Int) async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            let response = try await post("payments", body, port: port)
            #expect(response.status == status)
            if status == 400 {
                #expect(response.text.contains("actions: reset, force-open, disable, metrics-only"))
            }
            #expect(registry.existingBreaker(named: "payments")?.state == .open)
        }
    }

    @Test func anUnknownCircuitIsNotFoundAndNotCreated() async throws {
        let (registry, _) = try Self.openPayments()
        try await withControlServer(registry: registry) { port in
            let change = try await post("nope", #"{"action":"force-open"}"#, port: port)
            let read = try await request("/circuits/nope", port: port, headers: [Self.authorization])
            #expect(change.status == 404)
            #expect(read.status == 404)
            #expect(registry.existingBreaker(named: "nope") == nil)
        }
    }

    @Test(arguments: ["payments/eu", "a b", "<img src=x onerror=alert(1)>", "zahlungsdienst-ü-😀", "100%"])
    func oneCircuitIsServedByItsPercentEncodedName(_ name: String) async throws {
        let registry = try CircuitBreakerRegistry(logger: CircuitStatusTests.silentLogger)
        _ = try registry.breaker(named: name)
        try await withServer(registry: registry) { _, port in
            let response = try await request("/circuits/" + PercentEncoding.encode(name), port: port)
            #expect(response.status == 200)
            #expect(try object(response)["name"] as? String == name)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            let head = try await request("/circuits/" + PercentEncoding.encode(name), method: "HEAD", port: port)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test func aMalformedNameIsABadRequest() async throws {
        try await withServer(registry: try CircuitBreakerRegistry()) { _, port in
            for path in ["/circuits/%zz", "/circuits/%C3", "/circuits/a/b"] {
                let response = try await request(path, port: port)
                #expect(response.status == 400, "\(path)")
            }
        }
    }
}
