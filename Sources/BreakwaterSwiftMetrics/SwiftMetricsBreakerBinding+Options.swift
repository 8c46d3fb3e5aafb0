extension SwiftMetricsBreakerBinding {
    /// How a ``SwiftMetricsBreakerBinding`` records call durations and how often it refreshes the
    /// gauges it reads from each breaker's snapshot.
    ///
    /// ```swift
    /// let options = SwiftMetricsBreakerBinding.Options(durationsByOutcome: false, refreshInterval: .seconds(5))
    /// ```
    public struct Options: Sendable, Hashable {
        /// Whether call durations are split by outcome: one `Timer` per circuit and outcome
        /// (`success`, `failure`, `timeout`), the default, or one per circuit without the
        /// `outcome` dimension. The backend decides the buckets (see the README).
        public var durationsByOutcome: Bool

        /// The least time between two refreshes of a breaker's snapshot gauges (state, rates,
        /// window, consecutive failures) that its calls cause. Default 1 second; zero refreshes
        /// after every call. Transitions and
        /// ``SwiftMetricsBreakerBinding/refresh()`` refresh whatever the interval.
        public var refreshInterval: Duration

        /// Creates options; see each property for its meaning and default.
        public init(durationsByOutcome: Bool = true, refreshInterval: Duration = .seconds(1)) {
            self.durationsByOutcome = durationsByOutcome
            self.refreshInterval = refreshInterval
        }
    }
}
