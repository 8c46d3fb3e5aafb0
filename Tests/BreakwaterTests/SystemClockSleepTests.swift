import Testing

@testable import Breakwater

/// The system clock's sleep, on a Dispatch timer that goes with its task: a timed call's timer is
/// cancelled and released when the call ends, not kept until its deadline.
@Suite(.timeLimit(.minutes(1)))
struct SystemClockSleepTests {
    @Test("a sleep of an hour ends at once with CancellationError when its task is cancelled")
    func cancelledSleepEndsAtOnce() async throws {
        let sleeper = Task {
            let clock = SystemClock()
            try await clock.sleep(until: clock.now.advanced(by: .seconds(3600)))
        }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test("a task cancelled before it sleeps does not sleep")
    func cancelledBeforeSleeping() async throws {
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await TimerSleep.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test("a short sleep ends by itself, no earlier than asked")
    func shortSleepEnds() async throws {
        let clock = SystemClock()
        let start = clock.now
        try await TimerSleep.sleep(for: .milliseconds(5))
        #expect(start.duration(to: clock.now) >= .milliseconds(5))
    }
}
