/// A ``SwiftMetricsBreakerBinding`` could not be made: a dimension or an option is not allowed.
///
/// The description says what is wrong and what is allowed, for example
/// `dimension "circuit" is one of the breaker metrics' own: ["circuit", "from", ...]`.
public struct SwiftMetricsBindingError: Error, Hashable, CustomStringConvertible {
    /// What is wrong, in a sentence.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
