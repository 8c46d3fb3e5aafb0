// `scrape-target`: a metrics listener serving the breaker metrics of N synthetic circuits, for
// load tests of /metrics. Scripts/bench-scrape builds it and drives it with wrk.
//
//   scrape-target --breakers 1000 --port 9465 [--probe]
//
// It counts its renders in `scrape_target_renders_total`, and with --probe prints how long a
// trivial async task waits to run while it serves.
// It serves until SIGINT or SIGTERM, then shuts down gracefully.

import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
enum ScrapeTarget {
    static func main() async {
        let options: ScrapeTargetOptions
        do {
            options = try ScrapeTargetOptions(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            writeToStandardError("scrape-target: \(error)\n\n\(ScrapeTargetOptions.usage)\n")
            exit(64)
        }
        if options.showHelp {
            print(ScrapeTargetOptions.usage)
            return
        }
        do {
            try await serve(options)
        } catch {
            writeToStandardError("scrape-target: \(error)\n")
            exit(1)
        }
    }

    private static func serve(_ options: ScrapeTargetOptions) async throws {
        var logger = Logger(label: "scrape-target")
        logger.logLevel = .info

        let collector = MetricsCollector()
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: SyntheticTraffic.configuration,
            clock: ManualClock(),
            logger: Logger(label: "breakwater") { _ in SwiftLogNoOpLogHandler() }
        )
        try collector.recordMetrics(of: registry)
        // Each render runs the collect hooks once: this counts renders, to show scrapes sharing them.
        let renders = try collector.counter(name: "scrape_target_renders", help: "Expositions rendered.").labels()
        collector.addCollectHook { renders.increment() }
        let summary = try SyntheticTraffic.drive(breakers: options.breakers, in: registry)
        logger.info(
            "synthetic circuits ready",
            metadata: [
                "breakers": "\(options.breakers)", "open": "\(summary.open)",
                "forced_open": "\(summary.forcedOpen)", "disabled": "\(summary.disabled)",
            ]
        )

        let server = try MetricsServer(
            collector: collector,
            registry: registry,
            configuration: MetricsServerConfiguration(
                host: options.host,
                port: options.port,
                maximumConcurrentScrapes: options.maximumConcurrentScrapes
            ),
            logger: logger
        )
        let services: [any Service] = options.probe ? [server, HostProbe()] : [server]
        let group = ServiceGroup(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }

    private static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
