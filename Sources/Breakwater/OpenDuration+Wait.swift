extension OpenDuration {
    /// The wait for the `opens`-th consecutive open, jitter included.
    func wait(afterOpens opens: Int) -> Duration {
        switch self {
        case .fixed(let duration):
            return duration
        case .exponential(let initial, let multiplier, let maximum, let jitter):
            let ceiling = maximum.seconds
            var seconds = initial.seconds
            var step = 1
            while step < opens, seconds < ceiling {
                seconds *= multiplier
                step += 1
            }
            if jitter > 0 {
                seconds *= 1 + jitter * Double.random(in: -1...1)
            }
            let nanoseconds = min(seconds, ceiling) * 1e9
            return nanoseconds < 9.2e18 ? .nanoseconds(Int64(nanoseconds)) : .nanoseconds(Int64.max)
        }
    }
}
