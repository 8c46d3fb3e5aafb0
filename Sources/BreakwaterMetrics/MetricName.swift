/// The rules for metric and label names, from the Prometheus data model.
enum MetricName {
    /// Throws unless `name` is a valid metric name: `[a-zA-Z_][a-zA-Z0-9_]*`. Prometheus also
    /// allows colons, but reserves them for recording rules, so an exporter never emits them.
    static func validate(metric name: String) throws(MetricsRegistrationError) {
        guard isValid(name) else {
            throw MetricsRegistrationError(
                "metric name \(quoted(name)) is invalid: it must match [a-zA-Z_][a-zA-Z0-9_]* (colons are for recording rules)")
        }
    }

    /// Throws unless `label` is a valid, unreserved label name of the metric `metric`.
    static func validate(label: String, of metric: String) throws(MetricsRegistrationError) {
        guard isValid(label) else {
            throw MetricsRegistrationError(
                "label name \(quoted(label)) of metric \(quoted(metric)) is invalid: it must match [a-zA-Z_][a-zA-Z0-9_]*")
        }
        guard !label.hasPrefix("__") else {
            throw MetricsRegistrationError(
                "label name \(quoted(label)) of metric \(quoted(metric)) is reserved: names starting with \"__\" are for Prometheus")
        }
    }

    /// `name` made valid the same way every time: every character outside `[a-zA-Z0-9_]` becomes
    /// `_`, a leading digit gets a `_` before it, and an empty name becomes `_`. For label names,
    /// the `__` that Prometheus reserves is cut to one `_`.
    static func sanitize(_ name: String, isLabel: Bool = false) -> String {
        var bytes: [UInt8] = name.utf8.map { byte in
            let allowed = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            return allowed ? byte : UInt8(ascii: "_")
        }
        if let first = bytes.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") {
            bytes.insert(UInt8(ascii: "_"), at: 0)
        }
        if bytes.isEmpty {
            bytes = [UInt8(ascii: "_")]
        }
        while isLabel, bytes.count > 1, bytes[0] == UInt8(ascii: "_"), bytes[1] == UInt8(ascii: "_") {
            bytes.removeFirst()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isValid(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let letter = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
            let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard letter || (digit && !first) else { return false }
            first = false
        }
        return !first
    }

    /// `name` in double quotes, with quotes, backslashes and control characters escaped, so that an
    /// error message shows exactly what was given.
    static func quoted(_ name: String) -> String {
        var result = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
