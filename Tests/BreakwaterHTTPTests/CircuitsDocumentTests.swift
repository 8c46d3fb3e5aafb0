import Breakwater
import Foundation
import Testing

@testable import BreakwaterHTTP

extension CircuitStatus {
    /// An open circuit with a failure rate and a reason but no slow-call rate, to change per test.
    static func sample(name: String = "payments", state: CircuitState = .open) -> CircuitStatus {
        CircuitStatus(
            name: name, state: state, failureRate: 0.5, slowCallRate: nil, failureRateThreshold: 0.5,
            slowCallRateThreshold: nil, window: WindowCounts(calls: 10, failures: 5, slowCalls: 0),
            secondsInState: 12.5, minimumNumberOfCalls: 10, consecutiveFailures: 2, stateChangedAt: 1_700_000_000.5,
            recentTransitions: [
                .init(from: .closed, to: .open, unixTime: 1_700_000_000.5, reason: "failure rate 0.5 reached its threshold", isManual: false)
            ])
    }
}

@Suite struct CircuitsDocumentTests {
    /// The circuits of a document, parsed by Foundation.
    func parsedCircuits(_ json: String) throws -> [[String: Any]] {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(document["circuits"] as? [[String: Any]])
    }

    @Test func everyFieldParsesBackToItsValue() throws {
        let circuit = try #require(try parsedCircuits(CircuitsDocument.json([.sample()])).first)

        #expect(circuit["name"] as? String == "payments")
        #expect(circuit["state"] as? String == "open")
        #expect(circuit["failureRate"] as? Double == 0.5)
        #expect(circuit["slowCallRate"] is NSNull)
        #expect(circuit["failureRateThreshold"] as? Double == 0.5)
        #expect(circuit["slowCallRateThreshold"] is NSNull)
        #expect(circuit["bufferedCalls"] as? Int == 10)
        #expect(circuit["failedCalls"] as? Int == 5)
        #expect(circuit["slowCalls"] as? Int == 0)
        #expect(circuit["secondsInState"] as? Double == 12.5)
        #expect(circuit["lastTransitionReason"] as? String == "failure rate 0.5 reached its threshold")
        #expect(circuit["minimumNumberOfCalls"] as? Int == 10)
        #expect(circuit["consecutiveFailures"] as? Int == 2)
        #expect(circuit["stateChangedAt"] as? Double == 1_700_000_000.5)
        let transitions = try #require(circuit["recentTransitions"] as? [[String: Any]])
        #expect(transitions.count == 1)
        #expect(transitions.first?["from"] as? String == "closed")
        #expect(transitions.first?["to"] as? String == "open")
        #expect(transitions.first?["time"] as? Double == 1_700_000_000.5)
        #expect(transitions.first?["reason"] as? String == "failure rate 0.5 reached its threshold")
        #expect(transitions.first?["manual"] as? Bool == false)
        #expect(circuit["configuration"] is [String: Any])
        #expect(circuit.count == 16)
    }

    @Test func theConfigurationShowsEveryPolicyWithDurationsInSeconds() throws {
        var status = CircuitStatus.sample()
        status.configuration = CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 5, failureRateThreshold: nil, slowCallRateThreshold: 0.8,
            slowCallDurationThreshold: .milliseconds(1_500), slidingWindow: .timeBased(duration: .seconds(60), buckets: 12),
            minimumNumberOfCalls: 20,
            openDuration: .exponential(initial: .seconds(10), multiplier: 2, maximum: .seconds(300), jitter: 0.2),
            permittedCallsInHalfOpen: 3, maximumWaitInHalfOpen: .seconds(30))

        let circuit = try #require(try parsedCircuits(CircuitsDocument.json([status])).first)
        let configuration = try #require(circuit["configuration"] as? [String: Any])

        #expect(configuration["consecutiveFailureThreshold"] as? Int == 5)
        #expect(configuration["failureRateThreshold"] is NSNull)
        #expect(configuration["slowCallRateThreshold"] as? Double == 0.8)
        #expect(configuration["slowCallDurationThreshold"] as? Double == 1.5)
        let window = try #require(configuration["slidingWindow"] as? [String: Any])
        #expect(window["type"] as? String == "time")
        #expect(window["duration"] as? Int == 60)
        #expect(window["buckets"] as? Int == 12)
        #expect(configuration["minimumNumberOfCalls"] as? Int == 20)
        let open = try #require(configuration["openDuration"] as? [String: Any])
        #expect(open["type"] as? String == "exponential")
        #expect(open["initial"] as? Int == 10)
        #expect(open["multiplier"] as? Int == 2)
        #expect(open["maximum"] as? Int == 300)
        #expect(open["jitter"] as? Double == 0.2)
        #expect(configuration["automaticTransitionFromOpenToHalfOpen"] as? Bool == false)
        #expect(configuration["permittedCallsInHalfOpen"] as? Int == 3)
        #expect(configuration["maximumWaitInHalfOpen"] as? Int == 30)
    }

    @Test func theSummaryCountsEveryStateAndControlIsReported() throws {
        let states: [CircuitState] = [.open, .open, .halfOpen, .forcedOpen, .disabled, .metricsOnly, .closed]
        let json = CircuitsDocument.json(states.enumerated().map { .sample(name: "c\($0.offset)", state: $0.element) }, manualControl: true)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let summary = try #require(document["summary"] as? [String: Int])

        #expect(summary == ["total": 7, "open": 2, "halfOpen": 1, "forcedOpen": 1, "disabled": 1, "metricsOnly": 1, "closed": 1])
        #expect(document["manualControl"] as? Bool == true)
    }

    @Test func oneCircuitIsTheObjectItHasInTheList() throws {
        let list = CircuitsDocument.json([.sample()])
        let one = CircuitsDocument.json(CircuitStatus.sample())

        #expect(list.contains(one.dropLast()))
        #expect(one.hasPrefix(#"{"name":"payments","#))
        #expect(one.hasSuffix("}\n"))
    }

    @Test func theDocumentIsCompactWithCamelCaseKeys() {
        var status = CircuitStatus.sample()
        status.configuration = CircuitBreakerConfiguration(consecutiveFailureThreshold: 3, openDuration: .fixed(.seconds(30)))

        #expect(CircuitsDocument.json([status]) == """
            {"summary":{"total":1,"closed":0,"open":1,"halfOpen":0,"forcedOpen":0,"disabled":0,"metricsOnly":0},\
            "manualControl":false,"circuits":[{"name":"payments","state":"open","failureRate":0.5,"slowCallRate":null,\
            "failureRateThreshold":0.5,"slowCallRateThreshold":null,"bufferedCalls":10,"failedCalls":5,\
            "slowCalls":0,"minimumNumberOfCalls":10,"consecutiveFailures":2,"secondsInState":12.5,\
            "stateChangedAt":1700000000.5,"lastTransitionReason":"failure rate 0.5 reached its threshold",\
            "recentTransitions":[{"from":"closed","to":"open","time":1700000000.5,\
            "reason":"failure rate 0.5 reached its threshold","manual":false}],\
            "configuration":{"consecutiveFailureThreshold":3,"failureRateThreshold":null,"slowCallRateThreshold":null,\
            "slowCallDurationThreshold":60,"slidingWindow":{"type":"count","size":100},"minimumNumberOfCalls":10,\
            "openDuration":{"type":"fixed","duration":30},"automaticTransitionFromOpenToHalfOpen":false,\
            "permittedCallsInHalfOpen":10,"maximumWaitInHalfOpen":null}}]}

            """)
    }

    @Test func noCircuitsGiveAnEmptyArray() throws {
        #expect(CircuitsDocument.json([]).hasSuffix(#""circuits":[]}"# + "\n"))
        #expect(try parsedCircuits(CircuitsDocument.json([])).isEmpty)
    }

    @Test func circuitsKeepTheirOrder() throws {
        let json = CircuitsDocument.json([.sample(name: "b"), .sample(name: "a")])

        #expect(try parsedCircuits(json).map { $0["name"] as? String } == ["b", "a"])
    }

    @Test func aNeverChangedCircuitHasANullReason() throws {
        var status = CircuitStatus.sample()
        status.recentTransitions = []

        let circuit = try #require(try parsedCircuits(CircuitsDocument.json([status])).first)

        #expect(circuit["lastTransitionReason"] is NSNull)
    }

    @Test func aHostileNameRoundTripsExactly() throws {
        let name = "</script><b>x</b>\"\\\n\u{0}é😀 & \u{2028}\u{2029}\u{1F}\t"

        let json = CircuitsDocument.json([.sample(name: name)])
        let circuit = try #require(try parsedCircuits(json).first)

        #expect(circuit["name"] as? String == name)
    }

    @Test func markupCharactersAndLineSeparatorsAreEscapedSoTheDocumentCanBeEmbedded() {
        let json = CircuitsDocument.json([.sample(name: "</script><b>&\u{2028}\u{2029}")])

        for raw in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            #expect(!json.contains(raw))
        }
        #expect(json.contains(#""\u003c/script\u003e\u003cb\u003e\u0026\u2028\u2029""#))
    }

    @Test func controlCharactersAreEscapedAsUnicodeEscapes() {
        #expect(CircuitsDocument.quoted("\u{0}\n\u{1F}") == #""\u0000\u000a\u001f""#)
    }

    @Test func quotesAndBackslashesAreEscaped() {
        #expect(CircuitsDocument.quoted(#"a"b\c"#) == #""a\"b\\c""#)
    }

    @Test func validUTF8PassesThroughUnescaped() {
        #expect(CircuitsDocument.quoted("é😀ü") == "\"é😀ü\"")
    }

    @Test func wholeNumbersPrintAsIntegers() {
        #expect(CircuitsDocument.number(3) == "3")
        #expect(CircuitsDocument.number(0) == "0")
        #expect(CircuitsDocument.number(-42) == "-42")
    }

    @Test(arguments: [
        0.1, 1.0 / 3, 12.5, 1e-7, .leastNonzeroMagnitude, 0.1 + 0.2, 123_456.789, 1e300, 9_007_199_254_740_994,
    ])
    func numbersParseBackExactly(_ value: Double) throws {
        var status = CircuitStatus.sample()
        status.secondsInState = value

        // JSONDecoder rather than JSONSerialization: on Linux the latter turns 17-digit numbers
        // such as 0.30000000000000004 into NSDecimalNumber, whose doubleValue is off by an ulp.
        let document = try JSONDecoder().decode(SecondsDocument.self, from: Data(CircuitsDocument.json([status]).utf8))

        #expect(document.circuits.map(\.secondsInState) == [value])
    }

    /// Just enough of the document to read a number back exactly.
    struct SecondsDocument: Decodable {
        struct Circuit: Decodable {
            var secondsInState: Double
        }

        var circuits: [Circuit]
    }

    @Test func missingAndNonFiniteNumbersAreNull() {
        #expect(CircuitsDocument.number(nil) == "null")
        #expect(CircuitsDocument.number(.infinity) == "null")
        #expect(CircuitsDocument.number(.nan) == "null")
    }
}
