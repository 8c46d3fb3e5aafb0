import Breakwater
import ServiceLifecycle

/// Calls the simulated dependencies through their breakers at a steady rate, until shutdown.
struct Traffic: Service {
    let scenario: Scenario
    let dependencies: [CircuitBreaker]
    let synthetic: [CircuitBreaker]
    let start: BreakerInstant
    let clock: SystemClock
    let callsPerSecond: Double
    /// How many times the scenario's script runs before the dependencies stay healthy; 0: forever.
    let cycles: Int
    /// Whether each call to a dependency runs in a sampled span (``SyntheticTraces``).
    let traced: Bool

    struct SimulatedFailure: Error {}

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for breaker in dependencies {
                    group.addTask { await drive(breaker) }
                }
                group.addTask { await drive(synthetic: synthetic) }
            }
        }
    }

    /// Calls `breaker`'s dependency until the task is cancelled; calls overlap when it is slow.
    private func drive(_ breaker: CircuitBreaker) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                group.addTask {
                    if traced {
                        await SyntheticTraces.inSpan { await call(breaker) }
                    } else {
                        await call(breaker)
                    }
                }
                try? await Task.sleep(for: .seconds(1 / callsPerSecond))
            }
        }
    }

    /// Sends one call per second to each synthetic circuit, each failing now and then.
    private func drive(synthetic breakers: [CircuitBreaker]) async {
        while !Task.isCancelled, !breakers.isEmpty {
            for breaker in breakers {
                _ = try? breaker.run {
                    if Double.random(in: 0..<1) < 0.02 { throw SimulatedFailure() }
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func call(_ breaker: CircuitBreaker) async {
        let elapsed = start.duration(to: clock.now) / .seconds(1)
        let health = scenario.health(of: breaker.name, at: elapsed, cycles: cycles)
        let operation = { () async throws in
            try await Task.sleep(for: .seconds(health.latency * Double.random(in: 0.5...1.5)))
            if Double.random(in: 0..<1) < health.failureRate { throw SimulatedFailure() }
        }
        if Dependencies.withFallback.contains(breaker.name) {
            await breaker.run(operation, fallback: { _ in })
        } else {
            _ = try? await breaker.run(operation)
        }
    }
}
