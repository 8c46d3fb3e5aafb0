import Testing

@testable import Breakwater

/// The two-step API's mistakes stay contained: no extra probe, no outcome in the wrong breaker.
@Suite("Permission misuse")
struct PermissionMisuseTests {
    @Test("a probe recorded as ignored twice gives its permit back once: still one probe at a time")
    func probeRecordedTwice() throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let probe = try fixture.breaker.acquirePermission()
        fixture.breaker.record(.ignored, for: probe)
        fixture.breaker.record(.ignored, for: probe)
        #expect(fixture.breaker.snapshot().probesAdmitted == 0)
        let next = try fixture.breaker.acquirePermission()
        #expect(fixture.isRejected(), "one probe is permitted")
        fixture.breaker.record(.success, for: next)
        fixture.breaker.record(.success, for: next)
        #expect(fixture.breaker.state == .closed)
    }

    @Test("a permission of another breaker is refused: nothing is recorded in this one")
    func foreignPermission() throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let other = try Fixture(.oneProbe, name: "dependency")
        let probe = try fixture.breaker.acquirePermission()
        let foreign = try other.breaker.acquirePermission()
        let outcomes = fixture.observer.outcomes
        fixture.breaker.record(.ignored, for: foreign)
        fixture.breaker.record(error: DependencyError(), for: foreign)
        #expect(fixture.observer.outcomes == outcomes)
        #expect(fixture.isRejected(), "the probe is still out")
        fixture.breaker.record(.success, for: probe)
        #expect(fixture.breaker.state == .closed)
        other.breaker.record(.success, for: foreign)
        #expect(other.observer.outcomes == [.success])
    }
}
