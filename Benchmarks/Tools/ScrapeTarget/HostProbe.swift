import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stands in for the application around the listener: every 10 ms it starts a trivial task on
/// Swift concurrency's threads and measures how long the task waits to run. Every `reportEvery`
/// it prints the median, the 99th percentile and the maximum of that wait, so a load test can see
/// whether scrapes hold up the application's own async work.
struct HostProbe: Service {
    var reportEvery: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var waits: [Duration] = []
            var reported = ContinuousClock.now
            while !Task.isCancelled {
                let spawned = ContinuousClock.now
                let started = await Task { ContinuousClock.now }.value
                waits.append(started - spawned)
                if ContinuousClock.now - reported >= reportEvery {
                    report(waits.sorted())
                    waits.removeAll(keepingCapacity: true)
                    reported = ContinuousClock.now
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    private func report(_ sorted: [Duration]) {
        guard let maximum = sorted.last else { return }
        func microseconds(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return "\(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) µs"
        }
        let line = "probe: \(sorted.count) trivial tasks waited p50 \(microseconds(sorted[sorted.count / 2])), "
            + "p99 \(microseconds(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])), max \(microseconds(maximum))\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }
}
