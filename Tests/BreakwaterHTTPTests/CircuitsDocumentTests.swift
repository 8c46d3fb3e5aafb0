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
            secondsInState: 12.5, lastTransitionReason: "failure rate 0.5 reached its threshold")
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
        #expect(circuit.count == 11)
    }

    @Test func theDocumentIsCompactWithCamelCaseKeys() {
        #expect(CircuitsDocument.json([.sample()]) == """
            {"circuits":[{"name":"payments","state":"open","failureRate":0.5,"slowCallRate":null,\
            "failureRateThreshold":0.5,"slowCallRateThreshold":null,"bufferedCalls":10,"failedCalls":5,\
            "slowCalls":0,"secondsInState":12.5,"lastTransitionReason":"failure rate 0.5 reached its threshold"}]}

            """)
    }

    @Test func noCircuitsGiveAnEmptyArray() throws {
        #expect(CircuitsDocument.json([]) == "{\"circuits\":[]}\n")
        #expect(try parsedCircuits(CircuitsDocument.json([])).isEmpty)
    }

    @Test func circuitsKeepTheirOrder() throws {
        let json = CircuitsDocument.json([.sample(name: "b"), .sample(name: "a")])

        #expect(try parsedCircuits(json).map { $0["name"] as? String } == ["b", "a"])
    }

    @Test func aNeverChangedCircuitHasANullReason() throws {
        var status = CircuitStatus.sample()
        status.lastTransitionReason = nil

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
