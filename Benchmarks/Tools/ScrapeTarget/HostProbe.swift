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
        var waits: [Duration] = []
        var reported = ContinuousClock.now
        await cancelWhenGracefulShutdown {
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
        func milliseconds(_ duration: Duration) -> String {
            let value = Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
            return String(Int((value * 100).rounded())).paddedHundredths + " ms"
        }
        let line = "probe: \(sorted.count) trivial tasks waited p50 \(milliseconds(sorted[sorted.count / 2])), "
            + "p99 \(milliseconds(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])), max \(milliseconds(maximum))\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }
}

extension String {
    /// Hundredths as a decimal: "1234" → "12.34", "5" → "0.05".
    fileprivate var paddedHundredths: String {
        let digits = String(repeating: "0", count: max(0, 3 - count)) + self
        return digits.dropLast(2) + "." + digits.suffix(2)
    }
}
