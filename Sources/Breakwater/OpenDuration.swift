/// How long a circuit stays open before it admits probe calls.
public enum OpenDuration: Sendable, Hashable {
    /// The same wait every time the circuit opens.
    case fixed(Duration)

    /// A wait that grows with every re-open that follows a failed recovery, and starts again from
    /// `initial` once the circuit closes.
    ///
    /// The n-th consecutive open waits `initial × multiplier^(n-1)`, at most `maximum`. With a
    /// `jitter` of 0.2 the wait is spread at random over ±20 % of that, so many instances of a
    /// service do not probe a recovering dependency in lockstep.
    case exponential(initial: Duration, multiplier: Double = 2, maximum: Duration, jitter: Double = 0)
}
