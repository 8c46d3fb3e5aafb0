/// How the simulated dependencies behave over time.
enum Scenario: String, CaseIterable, Sendable {
    /// Only background noise: circuits stay closed.
    case steady
    /// A repeating 60-second script: payments fails from 10 s to 30 s, search is slow from 35 s to
    /// 50 s, inventory errors in a burst at 20 s. Circuits open, probe and close every minute.
    case outage
    /// Payments fails for 5 seconds in every 10: its circuit keeps opening and closing.
    case flapping
    /// Payments fails from 10 s on and never recovers: its circuit opens and its probes keep
    /// failing. With `--outage-cycles N` it recovers after N minutes.
    case down

    /// The length of one repetition of the script, in seconds.
    var cycle: Double {
        switch self {
        case .steady, .outage, .down: 60
        case .flapping: 10
        }
    }

    /// The dependency's behaviour `elapsed` seconds into the run. With `cycles` above 0 the script
    /// runs that many times, then every dependency stays healthy, as in `steady`.
    func health(of dependency: String, at elapsed: Double, cycles: Int = 0) -> Health {
        if cycles > 0, elapsed >= Double(cycles) * cycle {
            return Scenario.steady.health(of: dependency, at: elapsed)
        }
        let second = elapsed.truncatingRemainder(dividingBy: 60)
        switch (self, dependency) {
        case (.outage, "payments") where (10..<30).contains(second):
            return Health(failureRate: 0.9, latency: 0.05)
        case (.outage, "search") where (35..<50).contains(second):
            return Health(failureRate: 0.02, latency: 0.6)
        case (.outage, "inventory") where (20..<24).contains(second):
            return Health(failureRate: 1, latency: 0.01)
        case (.flapping, "payments") where elapsed.truncatingRemainder(dividingBy: 10) >= 5:
            return Health(failureRate: 0.9, latency: 0.05)
        case (.down, "payments") where elapsed >= 10:
            return Health(failureRate: 1, latency: 0.05)
        default:
            return Health(failureRate: 0.02, latency: 0.02)
        }
    }
}

/// How a simulated dependency answers at one moment.
struct Health: Sendable {
    /// The chance that a call fails, from 0 to 1.
    var failureRate: Double
    /// How long a call takes, in seconds (each call varies by ±50 %).
    var latency: Double
}
