/// Wrapping a function once and calling it many times: the decorator of resilience4j.
///
/// ```swift
/// let fetchPrice = pricing.wrap { (sku: String) in try await catalog.price(of: sku) }
/// let price = try await fetchPrice("A-42")
/// ```
extension CircuitBreaker {
    /// Returns `function` with every call made through this breaker.
    public func wrap<Input, Output>(
        _ function: @escaping @Sendable (Input) async throws -> Output
    ) -> @Sendable (Input) async throws -> Output {
        { input in try await self.run { try await function(input) } }
    }

    /// Returns the synchronous `function` with every call made through this breaker.
    public func wrap<Input, Output>(
        _ function: @escaping @Sendable (Input) throws -> Output
    ) -> @Sendable (Input) throws -> Output {
        { input in try self.run { try function(input) } }
    }
}
