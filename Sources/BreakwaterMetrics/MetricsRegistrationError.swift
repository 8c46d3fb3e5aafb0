/// A metric or label could not be registered: the name is invalid, reserved, or taken.
///
/// The description says what is wrong and what is allowed, for example
/// `label name "__name" of metric "calls_total" is reserved: names starting with "__" are for Prometheus`.
public struct MetricsRegistrationError: Error, Hashable, CustomStringConvertible {
    /// What is wrong, in a sentence.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
