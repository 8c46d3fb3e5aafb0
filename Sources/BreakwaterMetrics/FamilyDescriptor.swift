/// The types of metric a ``MetricsCollector`` holds.
enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case histogram
    case info
}

/// Everything that identifies a family, checked when it is registered.
struct FamilyDescriptor: Sendable, Hashable {
    let name: String
    let help: String
    let type: MetricType
    let schema: LabelSchema
    /// A histogram's bucket upper bounds, without `+Inf`; empty for other types.
    let upperBounds: [Double]

    /// The names of the samples the family writes, and so takes from every other family.
    var sampleNames: [String] {
        switch type {
        case .counter: [name + "_total", name + "_created"]
        case .gauge: [name]
        case .histogram: [name + "_bucket", name + "_count", name + "_sum", name + "_created"]
        case .info: [name + "_info"]
        }
    }

    /// How this descriptor, registered, differs from `requested`, for an error message: the first
    /// of type, labels, buckets and help that differs, as registered and as requested.
    func difference(from requested: FamilyDescriptor) -> String {
        if type != requested.type {
            return "as a \(type), not a \(requested.type)"
        }
        if schema.names != requested.schema.names {
            return "with labels \(schema.names), not \(requested.schema.names)"
        }
        if upperBounds != requested.upperBounds {
            return "with buckets \(upperBounds), not \(requested.upperBounds)"
        }
        if help != requested.help {
            return "with help \(MetricName.quoted(help)), not \(MetricName.quoted(requested.help))"
        }
        return "as a \(type) of another kind (integer or floating-point)"
    }

    /// The `# HELP` and `# TYPE` lines. Text format 0.0.4 names a counter with its `_total` and
    /// has no info type, so an info metric is a gauge there, as client_python writes it.
    func header(for format: ExpositionFormat) -> [UInt8] {
        let (headerName, typeName): (String, String)
        switch (format, type) {
        case (.prometheusText, .counter): (headerName, typeName) = (name + "_total", "counter")
        case (.prometheusText, .info): (headerName, typeName) = (name + "_info", "gauge")
        default: (headerName, typeName) = (name, type.rawValue)
        }
        var bytes: [UInt8] = []
        bytes.append("# HELP ")
        bytes.appendUTF8(headerName)
        bytes.append(UInt8(ascii: " "))
        bytes.appendEscapedHelp(help, for: format)
        bytes.append("\n# TYPE ")
        bytes.appendUTF8(headerName)
        bytes.append(UInt8(ascii: " "))
        bytes.appendUTF8(typeName)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
