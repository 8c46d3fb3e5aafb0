import Breakwater
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

        #expect(page.contains("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</td>"))
        #expect(!page.contains("<script>"))
        #expect(!page.contains("alert('x')"))
    }

    @Test(arguments: [
        (CircuitState.closed, "state-closed"), (.halfOpen, "state-half-open"), (.open, "state-open"),
        (.forcedOpen, "state-forced-open"), (.disabled, "state-disabled"), (.metricsOnly, "state-metrics-only"),
    ])
    func theStateCellIsColouredByAClassPerState(_ state: CircuitState, _ cssClass: String) {
        var status = CircuitStatus.sample(state: state)
        status.lastTransitionReason = nil

        let page = StatusPage.html([status], metricsPath: "/metrics")

        #expect(page.contains("<td class=\"state \(cssClass)\">\(state)</td>"))
        #expect(page.contains(".\(cssClass) { background: #"))
    }

    @Test func theStateCellsTitleGivesTheEscapedTransitionReason() {
        var status = CircuitStatus.sample()
        status.lastTransitionReason = "set by hand: <deploy> \"now\""

        let page = StatusPage.html([status], metricsPath: "/metrics")

        #expect(page.contains("title=\"set by hand: &lt;deploy&gt; &quot;now&quot;\""))
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
        #expect(!page.contains("<table>"))
    }

    @Test func aRowShowsRatesCallsAndTimeInState() {
        var status = CircuitStatus.sample()
        status.failureRate = 0.125
        status.slowCallRate = nil
        status.window.calls = 8
        status.secondsInState = 185

        let page = StatusPage.html([status], metricsPath: "/metrics")

        #expect(page.contains(
            "<td class=\"number\">12.5%</td><td class=\"number\">–</td>"
                + "<td class=\"number\">8</td><td class=\"number\">3 min 5 s</td></tr>"))
    }

    @Test func ratesShowAsPercentagesWithOneDecimal() {
        #expect(StatusPage.percentage(0) == "0.0%")
        #expect(StatusPage.percentage(0.5) == "50.0%")
        #expect(StatusPage.percentage(1.0 / 3) == "33.3%")
        #expect(StatusPage.percentage(0.9996) == "100.0%")
        #expect(StatusPage.percentage(1) == "100.0%")
        #expect(StatusPage.percentage(nil) == "–")
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
