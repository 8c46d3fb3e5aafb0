import Breakwater

/// The bodies of `GET /circuits` and `GET /circuits/{name}`: the circuits' states, rates,
/// configuration and recent transitions as JSON, as `Schemas/circuits.schema.json` describes.
///
/// Modelled on Spring Boot actuator's `/actuator/circuitbreakers` for resilience4j, with camelCase
/// keys, durations in seconds, times in seconds since the Unix epoch, and the circuits in the status
/// page's order (``CircuitOrder``):
///
/// ```json
/// {"summary":{"total":1,"closed":0,"open":1,"halfOpen":0,"forcedOpen":0,"disabled":0,"metricsOnly":0},
///  "manualControl":false,
///  "circuits":[{"name":"payments","state":"open","failureRate":0.5,...,"recentTransitions":[...]}]}
/// ```
enum CircuitsDocument {
    /// The document for `circuits`, in their order, ending with a newline; `manualControl` tells
    /// clients whether `POST /circuits/{name}` is allowed.
    static func json(_ circuits: [CircuitStatus], manualControl: Bool = false) -> String {
        let summary = CircuitsSummary(circuits)
        var json = #"{"summary":{"total":"# + String(summary.total)
        for state in CircuitOrder.statesByUrgency.sorted(by: { $0.rawValue < $1.rawValue }) {
            json += "," + quoted(key(state)) + ":" + String(summary[state])
        }
        json += #"},"manualControl":"# + (manualControl ? "true" : "false")
        json += #","circuits":["#
        for (index, circuit) in circuits.enumerated() {
            if index > 0 { json += "," }
            append(circuit, to: &json)
        }
        json += "]}\n"
        return json
    }

    /// The document for one circuit: the object it has in the list, ending with a newline.
    static func json(_ circuit: CircuitStatus) -> String {
        var json = ""
        append(circuit, to: &json)
        return json + "\n"
    }

    /// The summary's key for `state`: its name in camelCase, as the document's other keys.
    static func key(_ state: CircuitState) -> String {
        state.description.split(separator: "_").enumerated()
            .map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
            .joined()
    }

    private static func append(_ circuit: CircuitStatus, to json: inout String) {
        json += #"{"name":"# + quoted(circuit.name)
        json += #","state":"# + quoted(circuit.state.description)
        json += #","failureRate":"# + number(circuit.failureRate)
        json += #","slowCallRate":"# + number(circuit.slowCallRate)
        json += #","failureRateThreshold":"# + number(circuit.failureRateThreshold)
        json += #","slowCallRateThreshold":"# + number(circuit.slowCallRateThreshold)
        json += #","bufferedCalls":"# + String(circuit.window.calls)
        json += #","failedCalls":"# + String(circuit.window.failures)
        json += #","slowCalls":"# + String(circuit.window.slowCalls)
        json += #","minimumNumberOfCalls":"# + String(circuit.minimumNumberOfCalls)
        json += #","consecutiveFailures":"# + String(circuit.consecutiveFailures)
        json += #","secondsInState":"# + number(circuit.secondsInState)
        json += #","stateChangedAt":"# + number(circuit.stateChangedAt)
        json += #","lastTransitionReason":"# + (circuit.lastTransitionReason.map(quoted) ?? "null")
        json += #","recentTransitions":["#
        for (index, transition) in circuit.recentTransitions.enumerated() {
            if index > 0 { json += "," }
            json += #"{"from":"# + quoted(transition.from.description)
            json += #","to":"# + quoted(transition.to.description)
            json += #","time":"# + number(transition.unixTime)
            json += #","reason":"# + quoted(transition.reason)
            json += #","manual":"# + (transition.isManual ? "true" : "false") + "}"
        }
        json += #"],"configuration":"# + configuration(circuit.configuration)
        json += "}"
    }

    /// `configuration` as a JSON object; predicates, which have no text, are left out.
    static func configuration(_ configuration: CircuitBreakerConfiguration) -> String {
        var json = #"{"consecutiveFailureThreshold":"# + number(configuration.consecutiveFailureThreshold.map(Double.init))
        json += #","failureRateThreshold":"# + number(configuration.failureRateThreshold)
        json += #","slowCallRateThreshold":"# + number(configuration.slowCallRateThreshold)
        json += #","slowCallDurationThreshold":"# + number(configuration.slowCallDurationThreshold.seconds)
        switch configuration.slidingWindow {
        case .countBased(let size):
            json += #","slidingWindow":{"type":"count","size":"# + String(size) + "}"
        case .timeBased(let duration, let buckets):
            json += #","slidingWindow":{"type":"time","duration":"# + number(duration.seconds)
            json += #","buckets":"# + String(buckets) + "}"
        }
        json += #","minimumNumberOfCalls":"# + String(configuration.minimumNumberOfCalls)
        switch configuration.openDuration {
        case .fixed(let wait):
            json += #","openDuration":{"type":"fixed","duration":"# + number(wait.seconds) + "}"
        case .exponential(let initial, let multiplier, let maximum, let jitter):
            json += #","openDuration":{"type":"exponential","initial":"# + number(initial.seconds)
            json += #","multiplier":"# + number(multiplier)
            json += #","maximum":"# + number(maximum.seconds)
            json += #","jitter":"# + number(jitter) + "}"
        }
        json += #","automaticTransitionFromOpenToHalfOpen":"#
            + (configuration.automaticTransitionFromOpenToHalfOpen ? "true" : "false")
        json += #","permittedCallsInHalfOpen":"# + String(configuration.permittedCallsInHalfOpen)
        json += #","maximumWaitInHalfOpen":"# + number(configuration.maximumWaitInHalfOpen?.seconds)
        return json + "}"
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
