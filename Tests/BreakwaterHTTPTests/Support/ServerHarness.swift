import Breakwater
import BreakwaterMetrics
import BreakwaterTestSupport
import Logging
@testable import BreakwaterHTTP

/// Starts a server for `collector` on 127.0.0.1 and an ephemeral port, runs `body` with the
/// server and its port, and stops the server however `body` ends.
@discardableResult
func withServer<Result: Sendable>(
    collector: MetricsCollector = MetricsCollector(processMetrics: false),
    registry: CircuitBreakerRegistry? = nil,
    configure: (inout MetricsServerConfiguration) -> Void = { _ in },
    _ body: (MetricsServer, Int) async throws -> Result
) async throws -> Result {
    var configuration = MetricsServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    var logger = Logger(label: "breakwater.http.test")
    logger.logLevel = .warning
    let server = try MetricsServer(collector: collector, registry: registry, configuration: configuration, logger: logger)
    let address = try await server.start()
    guard let port = address.port else { throw RawConnectionError(description: "no port in \(address)") }
    do {
        let result = try await body(server, port)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Sends `request` on a new connection and reads one response, off the cooperative threads.
func exchange(_ request: String, port: Int, head: Bool = false) async throws -> RawResponse {
    try await offloaded {
        let connection = try RawConnection(port: port)
        try connection.send(request)
        return try connection.readResponse(head: head)
    }
}

/// A `GET` (or another method) of `path` with `headers` and `body` (sent with its
/// `Content-Length`), to `host`, on a new connection that closes after.
func request(
    _ path: String, method: String = "GET", port: Int, host: String = "127.0.0.1", headers: [(String, String)] = [],
    body: String? = nil
) async throws -> RawResponse {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
    for (name, value) in headers {
        text += "\(name): \(value)\r\n"
    }
    if let body {
        text += "Content-Length: \(body.utf8.count)\r\n"
    }
    return try await exchange(text + "\r\n" + (body ?? ""), port: port, head: method == "HEAD")
}

/// A collector with one gauge family of `series` series (about 20 bytes of text each, and
/// `padding` more in each label value), for responses larger than the kernel's socket buffers.
func wideCollector(series: Int, padding: Int = 0) throws -> MetricsCollector {
    let collector = MetricsCollector(processMetrics: false)
    let family = try collector.gauge(name: "wide", help: "Many series.", labelNames: ["index"])
    let pad = String(repeating: "x", count: padding)
    for index in 0..<series {
        try family.labels(String(index) + pad).set(Double(index))
    }
    return collector
}

/// The port of a server started by `run()` in another task, once it is bound (within 60 seconds:
/// a loaded machine under ThreadSanitizer, starting every suite at once, can take tens of seconds
/// to start the task).
func boundPort(of server: MetricsServer) async throws -> Int {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if let port = server.localAddress?.port { return port }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw RawConnectionError(description: "the server did not bind within 60 seconds")
}
