// A real Prometheus server (Debian's `prometheus`, installed by Scripts/install-test-tools) run
// as a child process that scrapes a listener under test, and a small client for its HTTP API.
// Everything blocking (spawning, waiting for the child, socket reads) runs through `offloaded`.

import BreakwaterTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the Prometheus under test could not start, answer, or reach a condition in time.
struct PrometheusHarnessError: Error, CustomStringConvertible {
    let description: String
}

/// A Prometheus server in a temporary directory of its own, scraping one target every second.
///
/// Start it with ``withPrometheus(scrapingPort:job:_:)``, which always stops it and removes the
/// directory.
final class RealPrometheus: Sendable {
    /// Where Debian's `prometheus` package puts the server.
    static let executablePath = "/usr/bin/prometheus"

    /// The port its web API listens on, on 127.0.0.1.
    let port: Int
    /// The temporary directory with the configuration, the TSDB and the log.
    let directory: URL
    private let process: Process
    private let exited: DispatchSemaphore

    private var logFile: URL { directory.appendingPathComponent("prometheus.log") }

    private init(port: Int, directory: URL, process: Process, exited: DispatchSemaphore) {
        self.port = port
        self.directory = directory
        self.process = process
        self.exited = exited
    }

    // MARK: Starting and stopping

    /// Starts Prometheus scraping `127.0.0.1:targetPort` as job `job`, with `scrapeSettings` (YAML
    /// lines of the job, such as `scheme: https`, indented by four spaces), and returns once its API
    /// answers `/-/ready`; `features` are given to `--enable-feature`. A web port taken between
    /// picking it and Prometheus binding it is retried with another.
    static func start(
        scrapingPort targetPort: Int, job: String, scrapeSettings: String = "", features: [String] = []
    ) async throws -> RealPrometheus {
        guard FileManager.default.isExecutableFile(atPath: executablePath) else {
            throw PrometheusHarnessError(description: """
                \(executablePath) is missing: install Debian's `prometheus` package, \
                for instance with Scripts/install-test-tools.
                """)
        }
        var attempt = 1
        while true {
            let prometheus = try await launch(scrapingPort: targetPort, job: job, scrapeSettings: scrapeSettings, features: features)
            do {
                try await prometheus.waitUntilReady()
                return prometheus
            } catch {
                let portWasTaken = prometheus.log().contains("address already in use")
                await prometheus.stop()
                guard portWasTaken, attempt < 3 else { throw error }
                attempt += 1
            }
        }
    }

    private static func launch(
        scrapingPort targetPort: Int, job: String, scrapeSettings: String, features: [String]
    ) async throws -> RealPrometheus {
        let fileManager = FileManager.default
        let directory = fileManager.temporaryDirectory
            .appendingPathComponent("breakwater-prometheus-\(UUID().uuidString)")
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let port = try freeLoopbackPort()
            let configuration = directory.appendingPathComponent("prometheus.yml")
            try """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: \(job)
                \(scrapeSettings)
                    static_configs:
                      - targets: ['127.0.0.1:\(targetPort)']

                """.write(to: configuration, atomically: true, encoding: .utf8)
            let logFile = directory.appendingPathComponent("prometheus.log")
            try Data().write(to: logFile)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: executablePath)
            process.arguments = [
                "--config.file=\(configuration.path)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ] + features.map { "--enable-feature=\($0)" }
            process.standardInput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try await offloaded {
                let log = try FileHandle(forWritingTo: logFile)
                defer { try? log.close() }
                process.standardOutput = log
                process.standardError = log
                try runUnblockingTermination(process)
            }
            return RealPrometheus(port: port, directory: directory, process: process, exited: exited)
        } catch {
            try? fileManager.removeItem(at: directory)
            throw error
        }
    }

    /// Starts `process` with SIGTERM and SIGINT unblocked. A child inherits the signal mask of the
    /// thread that spawns it, and every thread of the test process (Swift concurrency's, Dispatch's,
    /// and a `Thread` started from them) blocks SIGTERM, so without this the child would ignore it.
    private static func runUnblockingTermination(_ process: Process) throws {
        var termination = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGTERM)
        sigaddset(&termination, SIGINT)
        var previous = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &termination, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// A port that was free on 127.0.0.1 a moment ago: bound with port 0, read back, released.
    private static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PrometheusHarnessError(description: "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw PrometheusHarnessError(description: "binding 127.0.0.1:0 failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls `/-/ready` until it answers 200; fails at once if Prometheus exits (a bad flag, a
    /// port taken), and after 15 seconds otherwise.
    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        var lastProblem = "no answer yet"
        while true {
            guard process.isRunning else {
                throw PrometheusHarnessError(description: """
                    Prometheus exited with status \(process.terminationStatus) before it was ready.
                    \(logTail())
                    """)
            }
            do {
                let response = try await get("/-/ready")
                if response.status == 200 { return }
                lastProblem = "/-/ready answered \(response.status)"
            } catch {
                lastProblem = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                throw PrometheusHarnessError(description: "Prometheus was not ready within 15 s: \(lastProblem)\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops Prometheus (SIGTERM, then SIGKILL if it is still running after 5 seconds) and
    /// removes its directory.
    func stop() async {
        let process = process
        let exited = exited
        let directory = directory
        _ = try? await offloaded {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                if exited.wait(timeout: .now() + .seconds(5)) == .timedOut {
                    kill(process.processIdentifier, SIGKILL)
                    _ = exited.wait(timeout: .now() + .seconds(10))
                }
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    // MARK: Its log

    /// Everything Prometheus has written to standard output and error so far.
    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
    }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(lines: Int = 25) -> String {
        let all = log().split(separator: "\n", omittingEmptySubsequences: false)
        return "Prometheus log (last \(min(lines, all.count)) lines):\n"
            + all.suffix(lines).joined(separator: "\n")
    }

    // MARK: Its HTTP API

    /// `GET target` (a path with its query) from Prometheus's web API.
    ///
    /// HTTP/1.0, so that Go's server never answers in chunked encoding, which ``RawConnection``
    /// does not read: it sends `Content-Length` or closes the connection after the body.
    func get(_ target: String) async throws -> RawResponse {
        let port = port
        let response = try await offloaded {
            let connection = try RawConnection(port: port, timeout: .seconds(5))
            try connection.send("GET \(target) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
            return try connection.readResponse()
        }
        if response.header("Transfer-Encoding") != nil {
            throw PrometheusHarnessError(description: "GET \(target): unexpected Transfer-Encoding \(response.header("Transfer-Encoding") ?? "")")
        }
        return response
    }

    /// The `data` of an API answer to `GET target`, after checking that the status is `success`.
    func apiData<Payload: Decodable>(_ type: Payload.Type, from target: String) async throws -> Payload {
        let response = try await get(target)
        let envelope: PrometheusAPIEnvelope<Payload>
        do {
            envelope = try JSONDecoder().decode(PrometheusAPIEnvelope<Payload>.self, from: Data(response.body))
        } catch {
            throw PrometheusHarnessError(description: "GET \(target) answered \(response.status) with JSON that did not decode (\(error)): \(response.text)")
        }
        guard envelope.status == "success", let data = envelope.data else {
            throw PrometheusHarnessError(description: "GET \(target) answered \(response.status): \(envelope.errorType ?? "") \(envelope.error ?? response.text)")
        }
        return data
    }

    /// The active targets, as `/api/v1/targets` lists them.
    func activeTargets() async throws -> [PrometheusTarget] {
        try await apiData(PrometheusTargets.self, from: "/api/v1/targets?state=active").activeTargets
    }

    /// The result of the instant query `promql` at the current time.
    func query(_ promql: String) async throws -> [PrometheusSample] {
        let data = try await apiData(PrometheusQueryResult.self, from: "/api/v1/query?query=\(Self.percentEncoded(promql))")
        guard data.resultType == "vector" else {
            throw PrometheusHarnessError(description: "\(promql) gave a \(data.resultType), not a vector")
        }
        return data.result
    }

    /// The metadata (type, help, unit) Prometheus keeps for the metric family `name`, as the
    /// scraped exposition named it in `# TYPE`.
    func metadata(family name: String) async throws -> [PrometheusMetadata] {
        let data = try await apiData([String: [PrometheusMetadata]].self, from: "/api/v1/metadata?metric=\(Self.percentEncoded(name))")
        return data[name] ?? []
    }

    /// The exemplars Prometheus stored for the series `promql` selects, from an hour ago to now
    /// (`/api/v1/query_exemplars`, with `--enable-feature=exemplar-storage`).
    func exemplars(_ promql: String) async throws -> [PrometheusExemplarSeries] {
        let now = Int(Date().timeIntervalSince1970)
        return try await apiData(
            [PrometheusExemplarSeries].self,
            from: "/api/v1/query_exemplars?query=\(Self.percentEncoded(promql))&start=\(now - 3_600)&end=\(now + 60)")
    }

    private static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: Waiting

    /// Polls `probe` every 200 ms until it returns a value, and returns it; throws once `timeout`
    /// has passed, with the last thing the probe saw (its error, or `observed`) and the log's tail.
    /// The default timeout is long because under ThreadSanitizer, with every suite, a headless
    /// browser and a second Prometheus starting at once on two cores, 1-second scrapes can time
    /// out for tens of seconds; a value that arrives returns at once.
    func eventually<Value>(
        _ condition: String,
        timeout: Duration = .seconds(90),
        observed: () -> String = { "" },
        _ probe: () async throws -> Value?
    ) async throws -> Value {
        let deadline = ContinuousClock.now + timeout
        while true {
            var problem: String
            do {
                if let value = try await probe() { return value }
                problem = observed()
            } catch {
                problem = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                throw PrometheusHarnessError(description: """
                    Not within \(timeout): \(condition). Last seen: \(problem.isEmpty ? "nothing" : problem)
                    \(logTail())
                    """)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Polls the instant query `promql` until its result satisfies `condition`, and returns it.
    func eventually(
        _ promql: String,
        satisfies description: String,
        timeout: Duration = .seconds(90),
        _ condition: ([PrometheusSample]) -> Bool
    ) async throws -> [PrometheusSample] {
        var last: [PrometheusSample]?
        return try await eventually(
            "\(promql) \(description)",
            timeout: timeout,
            observed: { last.map { "\($0)" } ?? "no answer" }
        ) {
            let samples = try await self.query(promql)
            last = samples
            return condition(samples) ? samples : nil
        }
    }
}

/// Runs `body` with a Prometheus that scrapes `127.0.0.1:targetPort` as job `job` (with
/// `scrapeSettings` and `features`, as ``RealPrometheus/start(scrapingPort:job:scrapeSettings:features:)``
/// takes them), then stops
/// Prometheus and removes its directory, however `body` ends.
func withPrometheus<Result: Sendable>(
    scrapingPort targetPort: Int,
    job: String,
    scrapeSettings: String = "",
    features: [String] = [],
    _ body: (RealPrometheus) async throws -> Result
) async throws -> Result {
    let prometheus = try await RealPrometheus.start(
        scrapingPort: targetPort, job: job, scrapeSettings: scrapeSettings, features: features)
    do {
        let result = try await body(prometheus)
        await prometheus.stop()
        return result
    } catch {
        await prometheus.stop()
        throw error
    }
}

// MARK: - The API's JSON

/// Every answer of Prometheus's API: `{"status": "success", "data": ...}` or an error.
struct PrometheusAPIEnvelope<Payload: Decodable>: Decodable {
    let status: String
    let data: Payload?
    let errorType: String?
    let error: String?
}

/// The `data` of `/api/v1/targets`.
struct PrometheusTargets: Decodable {
    let activeTargets: [PrometheusTarget]
}

/// One scrape target, as `/api/v1/targets` describes it.
struct PrometheusTarget: Decodable, Sendable {
    /// The target's labels after relabelling: `job`, `instance`.
    let labels: [String: String]
    let scrapeUrl: String
    /// `up`, `down` or `unknown` (not scraped yet).
    let health: String
    /// Why the last scrape failed; empty when it succeeded.
    let lastError: String
}

/// The `data` of an instant query.
struct PrometheusQueryResult: Decodable {
    let resultType: String
    let result: [PrometheusSample]
}

/// One sample of an instant vector: labels and value.
struct PrometheusSample: Decodable, Sendable, CustomStringConvertible {
    let labels: [String: String]
    let value: Double

    private enum CodingKeys: String, CodingKey {
        case metric, value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        labels = try container.decode([String: String].self, forKey: .metric)
        // `"value": [<unix time>, "<value as text>"]`
        var pair = try container.nestedUnkeyedContainer(forKey: .value)
        _ = try pair.decode(Double.self)
        let text = try pair.decode(String.self)
        switch text {
        case "NaN": value = .nan
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        default:
            guard let parsed = Double(text) else {
                throw DecodingError.dataCorruptedError(in: pair, debugDescription: "not a sample value: \(text)")
            }
            value = parsed
        }
    }

    var description: String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        return "{\(labelText)} \(value)"
    }
}

/// What Prometheus keeps about a metric family from its `# TYPE`, `# HELP` and `# UNIT` lines.
struct PrometheusMetadata: Decodable, Sendable {
    let type: String
    let help: String
    let unit: String
}

/// The exemplars of one series, as `/api/v1/query_exemplars` gives them.
struct PrometheusExemplarSeries: Decodable, Sendable {
    struct Exemplar: Decodable, Sendable {
        let labels: [String: String]
        let value: String
        let timestamp: Double
    }

    let seriesLabels: [String: String]
    let exemplars: [Exemplar]
}
