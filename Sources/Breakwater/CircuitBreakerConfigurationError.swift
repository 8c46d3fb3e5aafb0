/// A circuit breaker's configuration or name is not valid.
///
/// The error names the field, the value it was given and what is allowed, for example
/// `failureRateThreshold is 1.5, must be from 0 to 1`.
public struct CircuitBreakerConfigurationError: Error, Hashable, CustomStringConvertible {
    /// The field that is wrong, such as `failureRateThreshold` or `name`.
    public var field: String
    /// The value it was given, as text.
    public var value: String
    /// What the field allows.
    public var allowed: String

    /// Creates an error for `field`, which was given `value` where `allowed` holds.
    public init(field: String, value: String, allowed: String) {
        self.field = field
        self.value = value
        self.allowed = allowed
    }

    public var description: String {
        "\(field) is \(value), must be \(allowed)"
    }
}
