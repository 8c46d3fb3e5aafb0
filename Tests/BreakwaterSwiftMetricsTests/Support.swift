import Breakwater
import Logging
import MetricsTestKit

struct DependencyError: Error {}

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

extension CircuitBreakerConfiguration {
    /// Opens on one failure, for 30 seconds, then admits one probe.
    static let oneProbe = CircuitBreakerConfiguration(
        consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(30)), permittedCallsInHalfOpen: 1)
}

extension CircuitBreaker {
    func succeed(on clock: ManualClock, taking duration: Duration = .milliseconds(3)) throws {
        try run { clock.advance(by: duration) }
    }

    /// Fails once; the error is swallowed, a rejection too.
    func fail(on clock: ManualClock, taking duration: Duration = .milliseconds(3)) {
        _ = try? run { () throws(DependencyError) in
            clock.advance(by: duration)
            throw DependencyError()
        }
    }
}

/// A metric TestMetrics holds, whatever its kind.
struct RecordedMetric {
    var label: String
    var dimensions: [(String, String)]

    var dimensionsByName: [String: String] {
        Dictionary(dimensions, uniquingKeysWith: { first, _ in first })
    }
}

extension TestMetrics {
    /// Every counter, meter, timer and recorder.
    var all: [RecordedMetric] {
        counters.map { RecordedMetric(label: $0.label, dimensions: $0.dimensions) }
            + meters.map { RecordedMetric(label: $0.label, dimensions: $0.dimensions) }
            + timers.map { RecordedMetric(label: $0.label, dimensions: $0.dimensions) }
            + recorders.map { RecordedMetric(label: $0.label, dimensions: $0.dimensions) }
    }

    /// Every metric whose `circuit` dimension is `circuit`.
    func metrics(ofCircuit circuit: String) -> [RecordedMetric] {
        all.filter { $0.dimensionsByName["circuit"] == circuit }
    }
}

// MARK: - Reading Prometheus text

/// One sample of a Prometheus text exposition.
struct ExpositionSample: Hashable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double

    /// The series: name and labels, with a histogram's `le` as the number it stands for, so that
    /// `1.0` (swift-prometheus) and `1` (client_golang's style) are the same bound.
    var series: String {
        let rendered = labels.sorted { $0.key < $1.key }.map { name, value in
            if name == "le", let bound = Double(value) { return "le=\(bound)" }
            return "\(name)=\(value)"
        }
        return "\(name){\(rendered.joined(separator: ","))}"
    }

    var description: String { "\(series) \(value)" }

    /// Whether the value is `expected`, NaN equal to NaN, a histogram's `_sum` within a nanosecond
    /// per call (swift-prometheus sums `Duration`s, the collector doubles).
    func hasValue(_ expected: Double) -> Bool {
        if value.isNaN || expected.isNaN { return value.isNaN && expected.isNaN }
        if name.hasSuffix("_sum") { return abs(value - expected) < 1e-6 }
        return value == expected
    }
}

/// Reads the samples of a Prometheus text format 0.0.4 exposition; comments are skipped.
func parseExposition(_ text: String) -> [ExpositionSample] {
    text.split(separator: "\n").compactMap { line -> ExpositionSample? in
        guard !line.hasPrefix("#"), let lastSpace = line.lastIndex(of: " ") else { return nil }
        let series = line[..<lastSpace]
        let valueText = line[line.index(after: lastSpace)...]
        let value: Double
        switch valueText.lowercased() {
        case "nan": value = .nan
        case "+inf", "inf": value = .infinity
        case "-inf": value = -.infinity
        default: value = Double(valueText) ?? .nan
        }
        guard let brace = series.firstIndex(of: "{") else {
            return ExpositionSample(name: String(series), labels: [:], value: value)
        }
        return ExpositionSample(
            name: String(series[..<brace]), labels: parseLabels(series[series.index(after: brace)...].dropLast()), value: value)
    }
}

/// Reads `name="value",...` with the format's escapes.
private func parseLabels(_ text: Substring) -> [String: String] {
    var labels: [String: String] = [:]
    var rest = text[...]
    while let equals = rest.firstIndex(of: "=") {
        let name = rest[..<equals].trimmingPrefix(",")
        var value = ""
        var index = rest.index(equals, offsetBy: 2)   // past `="`
        while rest[index] != "\"" {
            if rest[index] == "\\" {
                index = rest.index(after: index)
                value.append(rest[index] == "n" ? "\n" : rest[index])
            } else {
                value.append(rest[index])
            }
            index = rest.index(after: index)
        }
        labels[String(name)] = value
        rest = rest[rest.index(after: index)...]
    }
    return labels
}
