import Synchronization

/// Stands in for a remote service: it answers until told to fail, then fails until healed.
final class FlakyDependency: Sendable {
    /// What the dependency throws while it is down.
    struct Unavailable: Error {}

    private let isDown = Atomic(false)

    /// Makes every call fail (`true`) or succeed again (`false`).
    func setDown(_ down: Bool) {
        isDown.store(down, ordering: .relaxed)
    }

    /// A quote, or ``Unavailable`` while the dependency is down.
    func quote() async throws -> String {
        if isDown.load(ordering: .relaxed) { throw Unavailable() }
        return "Simplicity is prerequisite for reliability."
    }
}
