import Breakwater

/// The HTML page an operator opens during an incident: how many circuits need attention, those
/// first, and each circuit's rates against its thresholds; machines read ``CircuitsDocument`` or
/// the metrics.
///
/// The server renders every row (the page works without JavaScript, and escaping happens in one
/// place); the page's script (``StatusPage/script``) refreshes it in place, filters it by name,
/// and shows a circuit's detail (configuration, recent transitions, and the manual controls when
/// the server allows them) from `GET /circuits/{name}`. Nothing is loaded from elsewhere, so it
/// works air-gapped.
enum StatusPage {
    /// The content security policy's source for ``script``: its SHA-256 in base64. A test
    /// recomputes it, so a change to the script that leaves it stale fails there, not in a
    /// browser that refuses to run the script.
    static let scriptHash = "sha256-ZDrKUV94EKSYSKuKe8ujytQmoJS8GGncaGSAL0flWZw="
    /// The same for ``style``.
    static let styleHash = "sha256-qZiBx2MVVHeZ/9WwrUyleg14+ulx8GkxIf3qux4rEbE="

    /// The columns of the circuits table.
    static let columns = ["Circuit", "State", "Failure rate", "Slow-call rate", "Calls in window", "Time in state", "Last transition"]

    /// A complete HTML5 page listing `circuits` in their order, with links to `metricsPath` and to
    /// `/circuits`; `manualControl` tells the script to offer the controls.
    static func html(_ circuits: [CircuitStatus], metricsPath: String, manualControl: Bool = false) -> String {
        var html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Breakwater circuits</title>
            <link rel="icon" href="data:,">
            <style>\(style)</style>
            </head>
            <body data-control="\(manualControl ? "enabled" : "disabled")">
            <header>
            <h1>Breakwater circuits</h1>
            <nav><a href="\(HTMLEscaping.escape(metricsPath))">Metrics</a> · <a href="/circuits">Circuits as JSON</a></nav>
            </header>
            \(summary(CircuitsSummary(circuits)))
            <p class="tools"><input id="filter" type="search" placeholder="Filter by name" aria-label="Filter circuits by name" \
            autocomplete="off" spellcheck="false"> <span id="shown"></span> <span id="updated" role="status"></span></p>

            """
        if circuits.isEmpty {
            html += "<p id=\"circuits\" class=\"empty\">No circuits are registered.</p>\n"
        } else {
            html += "<table id=\"circuits\">\n<thead><tr>"
            html += columns.map { "<th>\($0)</th>" }.joined()
            html += "</tr></thead>\n<tbody>\n"
            for circuit in circuits {
                html += row(circuit)
            }
            html += "</tbody>\n</table>\n"
        }
        html += "<script>\(script)</script>\n</body>\n</html>\n"
        return html
    }

    /// The first line: circuits needing attention by state, then the closed ones and the total;
    /// each count carries its state in `data-state`, and the line is red while any circuit is
    /// open.
    static func summary(_ summary: CircuitsSummary) -> String {
        let parts = CircuitOrder.statesByUrgency.map { state in
            "<span class=\"count \(cssClass(state))\(summary[state] == 0 ? " none" : "")\" data-state=\"\(state)\">"
                + "<b>\(summary[state])</b> \(label(state))</span>"
        }
        let alarm = summary[.open] + summary[.halfOpen] > 0 ? " alarm" : ""
        return "<p id=\"summary\" class=\"summary\(alarm)\" data-total=\"\(summary.total)\">"
            + parts.joined(separator: " · ")
            + " <span class=\"total\">of <b>\(summary.total)</b> circuit\(summary.total == 1 ? "" : "s")</span></p>"
    }

    /// One table row; its `data-name` is the circuit's name, for the filter and the detail.
    private static func row(_ circuit: CircuitStatus) -> String {
        let name = HTMLEscaping.escape(circuit.name)
        let link = "/circuits/" + PercentEncoding.encode(circuit.name)
        let reason = circuit.lastTransitionReason.map(HTMLEscaping.escape) ?? "–"
        return "<tr class=\"circuit\" data-name=\"\(name)\" data-state=\"\(circuit.state)\">"
            + "<td class=\"name\"><a href=\"\(link)\">\(name)</a></td>"
            + "<td class=\"state \(cssClass(circuit.state))\">\(label(circuit.state))</td>"
            + "<td class=\"number\">\(rate(circuit.failureRate, threshold: circuit.failureRateThreshold))</td>"
            + "<td class=\"number\">\(rate(circuit.slowCallRate, threshold: circuit.slowCallRateThreshold))</td>"
            + "<td class=\"number\">\(circuit.window.calls) <small>of \(circuit.minimumNumberOfCalls)</small></td>"
            + "<td class=\"number\">\(timeInState(circuit.secondsInState))</td>"
            + "<td class=\"reason\">\(reason)</td></tr>\n"
    }

    /// A rate beside the threshold it is held to, such as `62.5% <small>of 50%</small>`; marked
    /// when it reached the threshold.
    private static func rate(_ value: Double?, threshold: Double?) -> String {
        guard let threshold else { return percentage(value) }
        let reached = (value ?? -1) >= threshold ? " class=\"over\"" : ""
        return "<span\(reached)>\(percentage(value))</span> <small>of \(percentage(threshold, decimals: false))</small>"
    }

    /// A state as people read it: `half-open`, `forced open`, `metrics-only`.
    static func label(_ state: CircuitState) -> String {
        switch state {
        case .closed: "closed"
        case .halfOpen: "half-open"
        case .open: "open"
        case .forcedOpen: "forced open"
        case .disabled: "disabled"
        case .metricsOnly: "metrics-only"
        }
    }

    /// The class that colours a state's cell.
    static func cssClass(_ state: CircuitState) -> String {
        switch state {
        case .closed: "state-closed"
        case .halfOpen: "state-half-open"
        case .open: "state-open"
        case .forcedOpen: "state-forced-open"
        case .disabled: "state-disabled"
        case .metricsOnly: "state-metrics-only"
        }
    }

    /// A rate from 0 to 1 as a percentage with one decimal, such as `12.5%` (or whole, such as
    /// `50%`, without `decimals`), or `–` without one.
    static func percentage(_ rate: Double?, decimals: Bool = true) -> String {
        guard let rate, rate.isFinite else { return "–" }
        // Rates are 0...1 by construction; clamping keeps the conversion to `Int` from trapping.
        let tenths = Int((min(max(rate, 0), 1) * 1000).rounded())
        if !decimals, tenths % 10 == 0 { return "\(tenths / 10)%" }
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// A duration in its two largest units, such as `42 s`, `3 min 5 s`, `2 h 1 min` or `3 d 4 h`;
    /// a zero second unit is left out.
    static func timeInState(_ seconds: Double) -> String {
        // Capped far beyond any real age, so that the conversion to `Int` cannot trap.
        let total = seconds.isFinite ? Int(min(max(0, seconds), 1e15).rounded(.down)) : 0
        let units = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")]
        guard let first = units.firstIndex(where: { total >= $0.0 }) else { return "0 s" }
        let (size, name) = units[first]
        var text = "\(total / size) \(name)"
        if first + 1 < units.count {
            let (smallerSize, smallerName) = units[first + 1]
            let remainder = total % size / smallerSize
            if remainder > 0 { text += " \(remainder) \(smallerName)" }
        }
        return text
    }
}
