import Testing

@testable import BreakwaterHTTP

@Suite struct CircuitActionTests {
    func parse(_ text: String) -> CircuitAction? {
        try? CircuitAction.parse(.init(string: text)).get()
    }

    @Test func eachActionIsNamedInAJSONObject() {
        #expect(parse(#"{"action":"reset"}"#) == .reset)
        #expect(parse(#" { "action" : "force-open" } "#) == .forceOpen)
        #expect(parse("{\"action\":\n\"disable\"}\n") == .disable)
        #expect(parse(#"{"action":"metrics\u002donly"}"#) == .metricsOnly)
    }

    @Test func resilience4jsActuatorBodiesWorkToo() {
        #expect(parse(#"{"updateState":"CLOSE"}"#) == .reset)
        #expect(parse(#"{"updateState":"FORCE_OPEN"}"#) == .forceOpen)
        #expect(parse(#"{"updateState":"DISABLE"}"#) == .disable)
        #expect(parse(#"{"updateState":"METRICS_ONLY"}"#) == .metricsOnly)
        #expect(parse(#"{"updateState":"reset"}"#) == nil)
        #expect(parse(#"{"updateState":"CLOSE","action":"reset"}"#) == nil)
    }

    @Test(arguments: [
        "", "{}", "null", #""reset""#, #"["reset"]"#, #"{"action":"Reset"}"#, #"{"action":"reset","action":"reset"}"#,
        #"{"action":"reset",}"#, #"{"action":"reset"}x"#, #"{"action":reset}"#, #"{"state":"reset"}"#, #"{"action":"re\qset"}"#,
        #"{"action":"\ud800"}"#, "{\"action\":\"re\u{1}set\"}", #"{"action":"reset""#,
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func theRefusalListsTheActions() {
        guard case .failure(let error) = CircuitAction.parse(.init(string: #"{"action":"<explode>"}"#)) else {
            Issue.record("an unknown action parsed")
            return
        }
        #expect(error.description == #"unknown action "\u003cexplode\u003e"; actions: reset, force-open, disable, metrics-only"#)
    }
}
