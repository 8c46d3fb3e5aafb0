import Breakwater
import BreakwaterTestSupport
import Foundation
import Testing

@testable import BreakwaterHTTP

@Suite struct StatusPageTests {
    @Test func thePageIsAnHTML5DocumentInUTF8() {
        let page = StatusPage.html([.sample()], metricsPath: "/metrics")

        #expect(page.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(page.contains("<meta charset=\"utf-8\">"))
        #expect(page.contains("<title>Breakwater circuits</title>"))
        #expect(page.hasSuffix("</body>\n</html>\n"))
    }

    @Test func aHostileNameAppearsEscapedAndNeverRaw() {
        let name = "<script>alert('x')</script>&\""

        let page = StatusPage.html([.sample(name: name)], metricsPath: "/metrics")

        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        #expect(page.contains("<tr class=\"circuit\" data-name=\"\(escaped)\" data-state=\"open\">"))
        #expect(page.contains("<a href=\"/circuits/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E%26%22\">\(escaped)</a>"))
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("alert('x')"))
    }

    @Test(arguments: [
        (CircuitState.closed, "state-closed", "closed"), (.halfOpen, "state-half-open", "half-open"),
        (.open, "state-open", "open"), (.forcedOpen, "state-forced-open", "forced open"),
        (.disabled, "state-disabled", "disabled"), (.metricsOnly, "state-metrics-only", "metrics-only"),
    ])
    func theStateCellIsColouredByAClassPerState(_ state: CircuitState, _ cssClass: String, _ label: String) {
        let page = StatusPage.html([.sample(state: state)], metricsPath: "/metrics")

        #expect(page.contains("<td class=\"state \(cssClass)\">\(label)</td>"))
        #expect(page.contains(".\(cssClass) { background: #"))
    }

    @Test func theLastTransitionsReasonIsShownEscaped() {
        var status = CircuitStatus.sample()
        status.recentTransitions[0].reason = "set by hand: <deploy> \"now\""

        let page = StatusPage.html([status], metricsPath: "/metrics")

        #expect(page.contains("<td class=\"reason\">set by hand: &lt;deploy&gt; &quot;now&quot;</td></tr>"))
    }

    @Test func theSummaryCountsEveryStateOfHowMany() {
        let states: [CircuitState] = [.open, .open, .halfOpen, .forcedOpen, .disabled, .metricsOnly, .closed, .closed]
        let page = StatusPage.html(states.enumerated().map { .sample(name: "c\($0.offset)", state: $0.element) }, metricsPath: "/m")

        #expect(page.contains("<p id=\"summary\" class=\"summary alarm\" data-total=\"8\">"))
        for (state, count, label) in [
            (CircuitState.open, 2, "open"), (.halfOpen, 1, "half-open"), (.forcedOpen, 1, "forced open"),
            (.disabled, 1, "disabled"), (.metricsOnly, 1, "metrics-only"), (.closed, 2, "closed"),
        ] {
            #expect(page.contains("data-state=\"\(state)\"><b>\(count)</b> \(label)</span>"))
        }
        #expect(page.contains("of <b>8</b> circuits</span></p>"))
    }

    @Test func aCalmSummaryIsNotAnAlarmAndNamesEmptyStates() {
        let page = StatusPage.html([.sample(state: .closed)], metricsPath: "/metrics")

        #expect(page.contains("<p id=\"summary\" class=\"summary\" data-total=\"1\">"))
        #expect(page.contains("<span class=\"count state-open none\" data-state=\"open\"><b>0</b> open</span>"))
        #expect(page.contains("of <b>1</b> circuit</span>"))
    }

    @Test func theControlsAreOfferedOnlyWhenEnabled() {
        #expect(StatusPage.html([], metricsPath: "/metrics").contains("<body data-control=\"disabled\">"))
        #expect(StatusPage.html([], metricsPath: "/metrics", manualControl: true).contains("<body data-control=\"enabled\">"))
    }

    @Test(arguments: [(StatusPage.script, StatusPage.scriptHash), (StatusPage.style, StatusPage.styleHash)])
    func thePolicysHashesAreThoseOfTheInlineScriptAndStyle(_ text: String, _ source: String) async throws {
        let run = try await runExternalTool(
            URL(fileURLWithPath: "/usr/bin/python3"),
            arguments: ["-c", "import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())"],
            input: Array(text.utf8), mergeOutput: true)
        let digest = String(decoding: run.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        #expect(source == "sha256-" + digest)
        #expect(BodyKey.Content.statusPagePolicy.contains("'\(source)'"))
        let page = StatusPage.html([.sample()], metricsPath: "/metrics")
        #expect(page.contains(">\(text)</"))
    }

    @Test func thePageLoadsNothingFromElsewhere() {
        let page = StatusPage.html([.sample()], metricsPath: "/metrics")

        #expect(!page.contains("http://"))
        #expect(!page.contains("https://"))
        #expect(!page.contains("src="))
        #expect(page.contains("<link rel=\"icon\" href=\"data:,\">"))
    }

    @Test func thePageLinksToACustomMetricsPathEscaped() {
        let page = StatusPage.html([], metricsPath: "/internal/metrics?a=1&b=\"2\"")

        #expect(page.contains("<a href=\"/internal/metrics?a=1&amp;b=&quot;2&quot;\">Metrics</a>"))
    }

    @Test func thePageLinksToTheCircuitsDocument() {
        #expect(StatusPage.html([], metricsPath: "/metrics").contains("<a href=\"/circuits\">"))
    }

    @Test func noCircuitsSaySoInsteadOfAnEmptyTable() {
        let page = StatusPage.html([], metricsPath: "/metrics")

        #expect(page.contains("No circuits are registered."))
        #expect(!page.contains("<table"))
    }

    @Test func aRowShowsRatesAgainstThresholdsCallsAgainstTheMinimumAndTimeInState() {
        var status = CircuitStatus.sample()
        status.failureRate = 0.625
        status.slowCallRate = 0.1
        status.slowCallRateThreshold = nil
        status.window.calls = 8
        status.minimumNumberOfCalls = 20
        status.secondsInState = 185

        let page = StatusPage.html([status], metricsPath: "/metrics")

        #expect(page.contains(
            "<td class=\"number\"><span class=\"over\">62.5%</span> <small>of 50%</small></td>"
                + "<td class=\"number\">10.0%</td>"
                + "<td class=\"number\">8 <small>of 20</small></td><td class=\"number\">3 min 5 s</td>"))
    }

    @Test func aRateBelowItsThresholdIsNotMarked() {
        var status = CircuitStatus.sample(state: .closed)
        status.failureRate = 0.2

        #expect(StatusPage.html([status], metricsPath: "/metrics").contains("<span>20.0%</span> <small>of 50%</small>"))
    }

    @Test func ratesShowAsPercentagesWithOneDecimal() {
        #expect(StatusPage.percentage(0) == "0.0%")
        #expect(StatusPage.percentage(0.5) == "50.0%")
        #expect(StatusPage.percentage(1.0 / 3) == "33.3%")
        #expect(StatusPage.percentage(0.9996) == "100.0%")
        #expect(StatusPage.percentage(1) == "100.0%")
        #expect(StatusPage.percentage(nil) == "–")
        #expect(StatusPage.percentage(0.5, decimals: false) == "50%")
        #expect(StatusPage.percentage(0.125, decimals: false) == "12.5%")
    }

    @Test(arguments: [
        (0.0, "0 s"), (42.9, "42 s"), (60, "1 min"), (185, "3 min 5 s"), (3_600, "1 h"),
        (7_260, "2 h 1 min"), (7_299, "2 h 1 min"), (86_400, "1 d"), (273_659, "3 d 4 h"),
    ] as [(Double, String)])
    func timeInStateShowsItsTwoLargestUnits(_ seconds: Double, _ text: String) {
        #expect(StatusPage.timeInState(seconds) == text)
    }

    @Test func htmlEscapingReplacesTheFiveSpecialCharacters() {
        #expect(HTMLEscaping.escape(#"<a href="x">Tom & Jerry's</a>"#)
            == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTMLEscaping.escape("plain é😀") == "plain é😀")
    }
}
