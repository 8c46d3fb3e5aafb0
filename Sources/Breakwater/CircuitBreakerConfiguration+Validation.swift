extension CircuitBreakerConfiguration {
    /// The longest circuit name, in UTF-8 bytes.
    public static let maximumNameLength = 128

    /// Throws the first problem with `name` and this configuration, or returns when both are valid.
    public func validate(name: String) throws(CircuitBreakerConfigurationError) {
        try Self.validate(name: name)
        try validate()
    }

    /// Throws the first problem with a circuit name: empty, or longer than ``maximumNameLength``.
    public static func validate(name: String) throws(CircuitBreakerConfigurationError) {
        let length = name.utf8.count
        guard (1...maximumNameLength).contains(length) else {
            throw CircuitBreakerConfigurationError(
                field: "name",
                value: length == 0 ? "empty" : "\(length) bytes long",
                allowed: "1 to \(maximumNameLength) UTF-8 bytes"
            )
        }
    }

    /// Throws the first field that is out of its allowed range.
    public func validate() throws(CircuitBreakerConfigurationError) {
        try check("consecutiveFailureThreshold", consecutiveFailureThreshold, atLeast: 1)
        try checkRate("failureRateThreshold", failureRateThreshold)
        try checkRate("slowCallRateThreshold", slowCallRateThreshold)
        try checkPositive("slowCallDurationThreshold", slowCallDurationThreshold)
        try check("minimumNumberOfCalls", minimumNumberOfCalls, atLeast: 1)
        try check("permittedCallsInHalfOpen", permittedCallsInHalfOpen, atLeast: 1)
        if let maximumWaitInHalfOpen {
            try checkPositive("maximumWaitInHalfOpen", maximumWaitInHalfOpen)
        }
        try validate(slidingWindow)
        try validate(openDuration)
    }

    private func validate(_ window: SlidingWindow) throws(CircuitBreakerConfigurationError) {
        switch window {
        case .countBased(let size):
            try check("slidingWindow.size", size, atLeast: 1)
            try check("slidingWindow.size", size, atMost: 1_000_000)
        case .timeBased(let duration, let buckets):
            try check("slidingWindow.buckets", buckets, atLeast: 1)
            try check("slidingWindow.buckets", buckets, atMost: 10_000)
            try checkPositive("slidingWindow.duration", duration)
            let bucketWidth = duration.nanoseconds / Int64(buckets)
            guard bucketWidth >= 1_000_000 else {
                throw CircuitBreakerConfigurationError(
                    field: "slidingWindow.duration",
                    value: "\(duration) in \(buckets) buckets",
                    allowed: "at least 1 millisecond per bucket"
                )
            }
        }
    }

    private func validate(_ openDuration: OpenDuration) throws(CircuitBreakerConfigurationError) {
        switch openDuration {
        case .fixed(let duration):
            try checkPositive("openDuration", duration)
        case .exponential(let initial, let multiplier, let maximum, let jitter):
            try checkPositive("openDuration.initial", initial)
            guard multiplier.isFinite, multiplier >= 1 else {
                throw CircuitBreakerConfigurationError(
                    field: "openDuration.multiplier", value: "\(multiplier)", allowed: "a finite number of at least 1")
            }
            guard maximum >= initial else {
                throw CircuitBreakerConfigurationError(
                    field: "openDuration.maximum", value: "\(maximum)", allowed: "at least openDuration.initial (\(initial))")
            }
            guard jitter >= 0, jitter < 1 else {
                throw CircuitBreakerConfigurationError(
                    field: "openDuration.jitter", value: "\(jitter)", allowed: "from 0 up to but not including 1")
            }
        }
    }

    private func check(_ field: String, _ value: Int?, atLeast minimum: Int) throws(CircuitBreakerConfigurationError) {
        guard let value, value < minimum else { return }
        throw CircuitBreakerConfigurationError(field: field, value: "\(value)", allowed: "at least \(minimum)")
    }

    private func check(_ field: String, _ value: Int, atMost maximum: Int) throws(CircuitBreakerConfigurationError) {
        guard value > maximum else { return }
        throw CircuitBreakerConfigurationError(field: field, value: "\(value)", allowed: "at most \(maximum)")
    }

    private func checkRate(_ field: String, _ value: Double?) throws(CircuitBreakerConfigurationError) {
        // 0 would open a circuit with no failure at all, as soon as the window held enough calls.
        guard let value, !(value > 0 && value <= 1) else { return }
        throw CircuitBreakerConfigurationError(field: field, value: "\(value)", allowed: "greater than 0 and at most 1")
    }

    private func checkPositive(_ field: String, _ value: Duration) throws(CircuitBreakerConfigurationError) {
        guard value <= .zero else { return }
        throw CircuitBreakerConfigurationError(field: field, value: "\(value)", allowed: "greater than zero")
    }
}
