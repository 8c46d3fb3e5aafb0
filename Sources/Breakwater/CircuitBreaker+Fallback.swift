/// Calling through the breaker with a fallback, for graceful degradation: a cached price, an
/// empty recommendation list, a queued payment.
///
/// Every call that falls back is told to the observers with its reason, before the fallback runs.
extension CircuitBreaker {
    /// Runs `operation` through the breaker, or returns what `fallback` makes of the reason it
    /// could not: a rejection or the operation's error.
    ///
    /// ```swift
    /// let items = await recommendations.run({ try await engine.top(10) }, fallback: { _ in [] })
    /// ```
    @inlinable
    public func run<T, F: Error>(
        _ operation: () throws -> T,
        fallback: (FallbackReason) throws(F) -> T
    ) throws(F) -> T {
        switch admit() {
        case .rejected(let error):
            tellFallback(.rejected)
            return try fallback(.rejected(error))
        case .admitted(let permission):
            do {
                let result = try operation()
                complete(permission, .success)
                return result
            } catch {
                complete(permission, error: error)
                tellFallback(.failed)
                return try fallback(.failed(error))
            }
        }
    }

    /// Runs an asynchronous `operation` through the breaker, or returns what `fallback` makes of
    /// the reason it could not: a rejection or the operation's error.
    @inlinable
    public func run<T, F: Error>(
        _ operation: () async throws -> T,
        fallback: (FallbackReason) async throws(F) -> T
    ) async throws(F) -> T {
        switch admit() {
        case .rejected(let error):
            tellFallback(.rejected)
            return try await fallback(.rejected(error))
        case .admitted(let permission):
            do {
                let result = try await operation()
                complete(permission, .success)
                return result
            } catch {
                complete(permission, error: error)
                tellFallback(.failed)
                return try await fallback(.failed(error))
            }
        }
    }

    /// Tells the observers that a call falls back for `reason`, in every state: a disabled
    /// breaker's calls still fall back when their operation throws.
    @usableFromInline
    func tellFallback(_ reason: FallbackReason.Kind) {
        withObservers { $0.notify(self, didFallBack: reason) }
    }
}
