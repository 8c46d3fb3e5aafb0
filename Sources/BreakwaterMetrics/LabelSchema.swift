/// The label names of a metric family, and how a set of values for them renders.
///
/// Labels render sorted by name, as client_golang writes them, whatever order the family was
/// declared in; series sort by their values in that order.
struct LabelSchema: Sendable, Hashable {
    /// The names in the order the family declared them, which is the order values are given in.
    let names: [String]
    /// Indices into ``names``, in name order.
    private let renderOrder: [Int]

    /// Checks `names` for `metric` and makes the schema.
    init(_ names: [String], of metric: String, reserved: Set<String> = []) throws(MetricsRegistrationError) {
        for name in names {
            try MetricName.validate(label: name, of: metric)
            if reserved.contains(name) {
                throw MetricsRegistrationError(
                    "label name \(MetricName.quoted(name)) of metric \(MetricName.quoted(metric)) is reserved for this type of metric")
            }
        }
        guard Set(names).count == names.count else {
            throw MetricsRegistrationError("metric \(MetricName.quoted(metric)) declares a label name twice: \(names)")
        }
        self.names = names
        renderOrder = names.indices.sorted { names[$0] < names[$1] }
    }

    /// Throws unless `values` has one value per label name.
    func check(_ values: [String], of metric: String) throws(MetricsRegistrationError) {
        guard values.count == names.count else {
            throw MetricsRegistrationError(
                "metric \(MetricName.quoted(metric)) has labels \(names), which take \(names.count) values; got \(values.count)")
        }
    }

    /// `values` in name order, which is how series sort.
    func sortKey(_ values: [String]) -> [String] {
        renderOrder.map { values[$0] }
    }

    /// The pairs `name="value",...` for `values`, escaped, without braces; empty without labels.
    func renderPairs(_ values: [String]) -> [UInt8] {
        Self.render(renderOrder.map { (names[$0], values[$0]) })
    }

    /// `labels` as `name="value",...`, in the order given, values escaped, without braces.
    static func render(_ labels: [(name: String, value: String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, label) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.appendUTF8(label.name)
            bytes.append("=\"")
            bytes.appendEscapedLabelValue(label.value)
            bytes.append(UInt8(ascii: "\""))
        }
        return bytes
    }
}
