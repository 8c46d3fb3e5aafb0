import ArgumentParser
import Breakwater
import BreakwaterHTTP
import BreakwaterHTTPTLS
import BreakwaterMetrics
import Logging
import ServiceLifecycle

/// A service calling four flaky dependencies through circuit breakers.
@main
struct BreakwaterDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakwater-demo",
        abstract: "A service calling flaky dependencies through Breakwater circuit breakers.",
        discussion: "Serves /metrics and a status page, prints one line per state transition. Stop it with Ctrl-C."
    )

    @Option(help: "The address to serve metrics on.")
    var host: String = MetricsServerConfiguration().host

    @Option(help: "The port to serve metrics on; 0 picks a free one.")
    var port: Int = MetricsServerConfiguration().port

    @Option(name: .customLong("web.config.file"), help: "A Prometheus web configuration file, as exporters read it: with tls_server_config, metrics are served over HTTPS, with client certificates if it asks for them.")
    var webConfigFile: String?

    @Option(help: "Require HTTP basic authentication as this user; the password comes from --metrics-password-file.")
    var metricsUser: String?

    @Option(help: "A file holding the basic authentication password, so it never appears on a command line.")
    var metricsPasswordFile: String?

    @Flag(help: "Let POST /circuits/{name} reset, force open, disable or set a circuit to metrics-only, as --metrics-user; the status page then offers these controls.")
    var manualControl = false

    @Option(name: .customLong("operator"), help: "With --manual-control, only this operator may change circuits (the --metrics-user may then only read); the password comes from --operator-password-file.")
    var operatorUser: String?

    @Option(help: "A file holding the operator's password.")
    var operatorPasswordFile: String?

    @Option(name: .customLong("circuit"), help: "Another circuit by this name, called like the synthetic ones; repeat it for more.")
    var extraCircuits: [String] = []

    @Option(help: "How the dependencies behave: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario = .outage

    @Option(help: "Times the scenario's script runs (a minute each for outage, 10 seconds for flapping) before the dependencies stay healthy; 0 repeats it until the end.")
    var outageCycles: Int = 0

    @Option(help: "Extra synthetic circuits, to try Breakwater at scale.")
    var circuits: Int = 0

    @Flag(help: "Run each call to the four dependencies in a sampled span of a trace of its own, so that the OpenMetrics exposition carries exemplars (trace and span IDs) a Prometheus with exemplar storage keeps.")
    var traces = false

    @Option(help: "Seconds to run; 0 runs until Ctrl-C.")
    var duration: Double = 0

    @Option(help: "Calls per second to each dependency.")
    var rate: Double = 20

    func validate() throws {
        guard (metricsUser == nil) == (metricsPasswordFile == nil) else {
            throw ValidationError("--metrics-user and --metrics-password-file go together")
        }
        guard !manualControl || metricsUser != nil else {
            throw ValidationError("--manual-control needs --metrics-user and --metrics-password-file: every change is made in a user's name")
        }
        guard (operatorUser == nil) == (operatorPasswordFile == nil), operatorUser == nil || manualControl else {
            throw ValidationError("--operator and --operator-password-file go together, with --manual-control")
        }
        guard (0...100_000).contains(circuits) else { throw ValidationError("--circuits must be from 0 to 100000") }
        guard outageCycles >= 0 else { throw ValidationError("--outage-cycles must be 0 or more") }
        guard duration >= 0, duration.isFinite else { throw ValidationError("--duration must be 0 or more seconds") }
        guard rate > 0, rate <= 10_000 else { throw ValidationError("--rate must be above 0 and at most 10000") }
    }

    func run() async throws {
        let clock = SystemClock()
        // Transitions are printed below; the breakers' own log lines would repeat them.
        var quiet = Logger(label: "breakwater")
        quiet.logLevel = .error
        let registry = try CircuitBreakerRegistry(overrides: Dependencies.configurations, logger: quiet)
        registry.addObserver(TransitionPrinter(start: clock.now))
        let names = Dependencies.configurations.keys.sorted()
        let dependencies = try names.map { try registry.breaker(named: $0) }
        let synthetic = try ((0..<circuits).map { "synthetic-\($0)" } + extraCircuits).map {
            try registry.breaker(named: $0, configuration: Dependencies.synthetic)
        }
        let collector = MetricsCollector()
        try collector.recordMetrics(of: registry, exemplars: traces ? SyntheticTraces.exemplars : nil)
        let configuration = MetricsServerConfiguration(
            host: host,
            port: port,
            basicAuthentication: try metricsUser.map { try BasicAuthentication(username: $0, passwordFile: metricsPasswordFile ?? "") },
            manualControl: manualControl,
            operators: try operatorUser.map { [try BasicAuthentication(username: $0, passwordFile: operatorPasswordFile ?? "")] } ?? []
        )
        let serverLogger = manualControl ? Logger(label: "breakwater.http") : quiet
        let tls = try webConfigFile.flatMap { try WebConfiguration(file: $0).tls }
        let server = try tls.map {
            try MetricsServer(collector: collector, registry: registry, configuration: configuration, tls: $0, logger: serverLogger)
        } ?? MetricsServer(collector: collector, registry: registry, configuration: configuration, logger: serverLogger)
        let address = try await server.start()
        let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : address.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? host
        let base = "\(tls == nil ? "http" : "https")://\(shown):\(address.port ?? port)"
        let repeats = outageCycles == 0 ? "" : ", script run \(outageCycles) time\(outageCycles == 1 ? "" : "s") then healthy"
        printLine("breakwater-demo: scenario \(scenario.rawValue)\(repeats), \(dependencies.count + synthetic.count) circuits; Ctrl-C stops it")
        printLine("breakwater-demo: scrape \(base)/metrics, status page \(base)/, JSON \(base)/circuits")

        let traffic = Traffic(
            scenario: scenario, dependencies: dependencies, synthetic: synthetic,
            start: clock.now, clock: clock, callsPerSecond: rate, cycles: outageCycles, traced: traces)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: traffic)],
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: Logger(label: "breakwater-demo")))
        // The group ends at Ctrl-C or SIGTERM, or when the duration has passed; either way the
        // duration's timer is cancelled, so a signal stops the demo at once.
        try await withThrowingDiscardingTaskGroup { tasks in
            if duration > 0 {
                tasks.addTask {
                    do { try await Task.sleep(for: .seconds(duration)) } catch { return }
                    await group.triggerGracefulShutdown()
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
        await server.stop()
        for snapshot in registry.snapshots().prefix(names.count) {
            printLine("\(snapshot.name): \(snapshot.state), \(snapshot.window.calls) calls in window")
        }
    }
}

extension Scenario: ExpressibleByArgument {}
