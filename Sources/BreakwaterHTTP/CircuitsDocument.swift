import Breakwater

/// The body of `GET /circuits`: every circuit's state and rates as JSON.
///
/// Modelled on Spring Boot actuator's `/actuator/circuitbreakers` for resilience4j, with camelCase
/// keys and the circuits as an array in name order:
///
/// ```json
/// {"circuits":[{"name":"payments","state":"open","failureRate":0.5,"slowCallRate":null,
///   "failureRateThreshold":0.5,"slowCallRateThreshold":null,"bufferedCalls":10,"failedCalls":5,
///   "slowCalls":0,"secondsInState":12.5,"lastTransitionReason":"failure rate 0.5 reached its threshold"}]}
/// ```
enum CircuitsDocument {
    /// The document for `circuits`, in their order, ending with a newline.
    static func json(_ circuits: [CircuitStatus]) -> String {
        var json = #"{"circuits":["#
        for (index, circuit) in circuits.enumerated() {
            if index > 0 { json += "," }
            json += #"{"name":"# + quoted(circuit.name)
            json += #","state":"# + quoted(circuit.state.description)
            json += #","failureRate":"# + number(circuit.failureRate)
            json += #","slowCallRate":"# + number(circuit.slowCallRate)
            json += #","failureRateThreshold":"# + number(circuit.failureRateThreshold)
            json += #","slowCallRateThreshold":"# + number(circuit.slowCallRateThreshold)
            json += #","bufferedCalls":"# + String(circuit.window.calls)
            json += #","failedCalls":"# + String(circuit.window.failures)
            json += #","slowCalls":"# + String(circuit.window.slowCalls)
            json += #","secondsInState":"# + number(circuit.secondsInState)
            json += #","lastTransitionReason":"# + (circuit.lastTransitionReason.map(quoted) ?? "null")
            json += "}"
        }
        json += "]}\n"
        return json
    }

    /// `text` as a JSON string literal, quotes included.
    ///
    /// Besides what JSON requires (quotes, backslashes, control characters), `<`, `>` and `&` are
    /// escaped so the document can sit inside an HTML `<script>` without closing it, and U+2028 and
    /// U+2029 because JavaScript before ES2019 ends a string literal at them.
    static func quoted(_ text: String) -> String {
        var quoted = "\""
        quoted.unicodeScalars.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{0}"..."\u{1F}":
                quoted += unicodeEscape(scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        quoted += "\""
        return quoted
    }

    /// `\u` and four lowercase hexadecimal digits; only called for scalars below U+10000.
    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// `value` as a JSON number that parses back to the same `Double`, or `null` for `nil` and for
    /// values JSON cannot express (infinities and NaN).
    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        // Whole numbers below 2^53 print without `.0`, as JSON writers usually do; each is exactly
        // representable, so the integer text parses back to the same value.
        if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        // `description` is the shortest text that round-trips, such as `0.1` or `1e-05`, and it is
        // valid JSON for every finite value that is not whole.
        return value.description
    }
}
