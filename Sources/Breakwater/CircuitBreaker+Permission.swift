/// The two-step API for integrations that cannot wrap a call in a closure, such as HTTP client
/// middleware or a database driver: acquire a permission, make the call, report how it ended.
///
/// ```swift
/// let permission = try breaker.acquirePermission()
/// let response = try await client.execute(request)
/// breaker.record(response.status.code >= 500 ? .failure : .success, for: permission)
/// ```
extension CircuitBreaker {
    /// Asks to let one call through.
    ///
    /// - Throws: ``CircuitBreakerError`` when the circuit rejects the call.
    public func acquirePermission() throws(CircuitBreakerError) -> CircuitBreakerPermission {
        switch admit() {
        case .admitted(let permission): return permission
        case .rejected(let error): throw error
        }
    }

    /// Reports how the call that `permission` admitted ended.
    ///
    /// - Parameters:
    ///   - completion: how the call ended.
    ///   - permission: the permission ``acquirePermission()`` gave the call; one of another breaker,
    ///     or one already recorded, is ignored.
    ///   - duration: how long the call took; by default, the time since the permission was
    ///     acquired.
    public func record(_ completion: CallCompletion, for permission: CircuitBreakerPermission, duration: Duration? = nil) {
        guard isOwn(permission) else { return }
        complete(permission, completion.outcome, duration: duration)
    }

    /// Reports that the call that `permission` admitted threw `error`; the configuration's
    /// ``CircuitBreakerConfiguration/isFailure`` decides whether it counts as a failure.
    public func record(error: any Error, for permission: CircuitBreakerPermission, duration: Duration? = nil) {
        guard isOwn(permission) else { return }
        complete(permission, error: error, duration: duration)
    }

    /// Whether this breaker gave `permission`; logs the mistake when it did not.
    private func isOwn(_ permission: CircuitBreakerPermission) -> Bool {
        guard permission.breaker != id else { return true }
        logger.info(
            "permission of another circuit breaker refused; nothing recorded",
            metadata: ["circuit": "\(name)"])
        return false
    }
}
