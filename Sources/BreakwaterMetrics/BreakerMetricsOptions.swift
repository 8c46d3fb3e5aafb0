/// How the breaker metrics binding exports call durations: the choice between detail and the
/// number of series, which the `circuit_breaker_call_duration_seconds` histogram dominates.
///
/// With the defaults, a breaker's durations take 48 series: 3 outcomes, each with 13 buckets,
/// `+Inf`, `_count` and `_sum`. Fewer buckets, or one histogram for all outcomes, take fewer:
///
/// ```swift
/// let options = BreakerMetricsOptions(durationBuckets: [0.01, 0.05, 0.25, 1, 5], durationsByOutcome: false)
/// try collector.recordMetrics(of: registry, options: options)   // 8 duration series per breaker
/// ```
///
/// Every binding of one collector must use the same options: the histogram is one family.
public struct BreakerMetricsOptions: Sendable, Hashable {
    /// The upper bounds of the duration histogram's buckets, in seconds: increasing and finite
    /// (`+Inf` is added, and a trailing one is accepted). Default ``HistogramBuckets/latency``,
    /// 1 ms to 10 s. An empty list leaves only `+Inf`, `_count` and `_sum`: the mean duration
    /// and the call rate, without quantiles.
    public var durationBuckets: [Double]

    /// Whether durations are split by outcome, with an `outcome` label of `success`, `failure` or
    /// `timeout` (the default), or observed together in one histogram per circuit without that label.
    public var durationsByOutcome: Bool

    /// Creates options; see each property for its meaning and default.
    public init(durationBuckets: [Double] = HistogramBuckets.latency, durationsByOutcome: Bool = true) {
        self.durationBuckets = durationBuckets
        self.durationsByOutcome = durationsByOutcome
    }
}
