import Breakwater

/// The HTML page that shows every circuit at a glance, for people; machines read
/// ``CircuitsDocument`` or the metrics.
enum StatusPage {
    /// A complete HTML5 page with a row per circuit, in their order, and links to `metricsPath`
    /// and to `/circuits`.
    static func html(_ circuits: [CircuitStatus], metricsPath: String) -> String {
        var html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Breakwater circuits</title>
            <style>
            \(style)</style>
            </head>
            <body>
            <h1>Breakwater circuits</h1>
            <p><a href="\(HTMLEscaping.escape(metricsPath))">Metrics</a> · <a href="/circuits">Circuits as JSON</a></p>

            """
        if circuits.isEmpty {
            html += "<p class=\"empty\">No circuits are registered.</p>\n"
        } else {
            html += """
                <table>
                <thead><tr><th>Circuit</th><th>State</th><th>Failure rate</th><th>Slow-call rate</th>\
                <th>Calls in window</th><th>Time in state</th></tr></thead>
                <tbody>

                """
            for circuit in circuits {
                html += row(circuit)
            }
            html += "</tbody>\n</table>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    /// The inline stylesheet; each ``CircuitState`` has a class that colours its cell.
    private static let style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
        table { border-collapse: collapse; }
        th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #d0d7de; text-align: left; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        td.state { color: #fff; font-weight: 600; }
        .state-closed { background: #1a7f37; }
        .state-half-open { background: #bf8700; }
        .state-open { background: #cf222e; }
        .state-forced-open { background: #82071e; }
        .state-disabled { background: #6e7781; }
        .state-metrics-only { background: #0969da; }

        """

    /// One table row; the state cell's title tells why the circuit entered its state.
    private static func row(_ circuit: CircuitStatus) -> String {
        let reason = circuit.lastTransitionReason.map { " title=\"\(HTMLEscaping.escape($0))\"" } ?? ""
        return "<tr><td>\(HTMLEscaping.escape(circuit.name))</td>"
            + "<td class=\"state \(cssClass(circuit.state))\"\(reason)>\(circuit.state)</td>"
            + "<td class=\"number\">\(percentage(circuit.failureRate))</td>"
            + "<td class=\"number\">\(percentage(circuit.slowCallRate))</td>"
            + "<td class=\"number\">\(circuit.window.calls)</td>"
            + "<td class=\"number\">\(timeInState(circuit.secondsInState))</td></tr>\n"
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

    /// A rate from 0 to 1 as a percentage with one decimal, such as `12.5%`, or `–` without one.
    static func percentage(_ rate: Double?) -> String {
        guard let rate, rate.isFinite else { return "–" }
        // Rates are 0...1 by construction; clamping keeps the conversion to `Int` from trapping.
        let tenths = Int((min(max(rate, 0), 1) * 1000).rounded())
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
