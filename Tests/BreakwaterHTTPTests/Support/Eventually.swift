/// Waits until `condition` holds, checking every 5 ms for at most `limit`; whether it held.
///
/// For state that another thread or process brings about (connections accepted, requests
/// waiting), where no virtual clock can stand in.
func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}
