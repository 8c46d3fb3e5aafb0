// Checks expositions with consumers that are not ours: promtool (the Prometheus server's own
// parser and linter) and client_python's two parsers. The tools come from
// Scripts/install-test-tools; a missing tool fails the test with that hint instead of skipping.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - promtool

/// Runs `promtool check metrics` with `text` on standard input.
///
/// promtool parses the text as format 0.0.4 with the Prometheus server's own parser, then
/// lints it (`_total` on counters, HELP present, base units, ...). An exposition passes when
/// `exitCode` is 0 and `output` is empty. promtool exits 1 when the text does not parse and 3
/// when it parses but the linter complains. It does not understand OpenMetrics: give it 0.0.4.
///
/// - Parameters:
///   - text: The exposition.
///   - timeout: How long promtool may run before it is killed and the call throws.
/// - Returns: promtool's exit code and its standard output and error, interleaved as written.
/// - Throws: ``ExternalToolError`` when promtool is not installed, cannot start or times out.
package func promtoolCheckMetrics(
    _ text: String,
    timeout: Duration = defaultExternalToolTimeout
) async throws -> (exitCode: Int32, output: String) {
    try await promtoolCheckMetrics(Array(text.utf8), timeout: timeout)
}

/// Runs `promtool check metrics` with `bytes` on standard input; see
/// ``promtoolCheckMetrics(_:timeout:)``. Takes bytes so that a test can feed an
/// encoder's output as it is, or bytes that are not UTF-8.
package func promtoolCheckMetrics(
    _ bytes: [UInt8],
    timeout: Duration = defaultExternalToolTimeout
) async throws -> (exitCode: Int32, output: String) {
    let promtool = try locatePromtool()
    let run = try await runExternalTool(
        promtool,
        arguments: ["check", "metrics"],
        input: bytes,
        mergeOutput: true,
        timeout: timeout
    )
    return (run.exitCode, String(decoding: run.standardOutput, as: UTF8.self))
}

/// Records an issue unless promtool accepts `text` without a word; the issue shows
/// promtool's output and the first lines of the text.
package func expectPromtoolAccepts(
    _ text: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    if let complaint = try await promtoolComplaint(text) {
        Issue.record(Comment(rawValue: complaint), sourceLocation: sourceLocation)
    }
}

/// `nil` when promtool accepts `text` without a word, else a message with promtool's exit
/// code and output and the first lines of the text.
package func promtoolComplaint(_ text: String) async throws -> String? {
    let result = try await promtoolCheckMetrics(text)
    if result.exitCode == 0 && result.output.isEmpty { return nil }
    return """
        promtool check metrics exited \(result.exitCode) and said:
        \(result.output)
        \(expositionExcerpt(text))
        """
}

/// Finds promtool on `PATH`, then at `/usr/bin/promtool` (where Debian's `prometheus` package
/// puts it).
private func locatePromtool() throws -> URL {
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = searchPath.split(separator: ":").map { "\($0)/promtool" } + ["/usr/bin/promtool"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExternalToolError.toolMissing(
            "promtool is neither on PATH nor at /usr/bin/promtool: run Scripts/install-test-tools"
        )
    }
    return URL(fileURLWithPath: path)
}

// MARK: - client_python

/// Which of client_python's parsers reads the exposition.
package enum PrometheusClientFormat: Sendable {
    /// `prometheus_client.parser`: text format 0.0.4. Lax: it accepts much that Prometheus
    /// rejects, so pair it with ``promtoolCheckMetrics(_:timeout:)``.
    case text004
    /// `prometheus_client.openmetrics.parser`: OpenMetrics 1.0.0, strict about `# EOF`,
    /// blank lines, metadata order, histogram consistency and canonical `+Inf`.
    case openMetrics

    fileprivate var argument: String {
        switch self {
        case .text004: "text004"
        case .openMetrics: "openmetrics"
        }
    }

    fileprivate var parserName: String {
        switch self {
        case .text004: "client_python's 0.0.4 parser"
        case .openMetrics: "client_python's OpenMetrics parser"
        }
    }
}

/// Parses `text` with client_python, returning every family it found.
///
/// Runs `parse_exposition.py`, beside this file, with `/usr/bin/python3`, the interpreter that Debian's
/// `python3-prometheus-client` installs for (a pyenv `python3` earlier on `PATH` would not
/// see it). The environment variable `BREAKWATER_TEST_PYTHON` names another interpreter, for
/// machines where the module lives elsewhere.
///
/// Note what the parsers do to names: both report a counter family without its `_total`
/// (the samples keep it), and the 0.0.4 parser calls an untyped family `unknown`.
///
/// - Parameters:
///   - text: The exposition.
///   - format: Which parser reads it.
///   - timeout: How long the parser may run before it is killed and the call throws.
/// - Throws: ``ExternalToolError/rejected(parser:message:excerpt:)`` with the parser's message
///   when it rejects the text; other ``ExternalToolError`` cases when it could not run.
package func parseWithPrometheusClient(
    _ text: String,
    format: PrometheusClientFormat,
    timeout: Duration = defaultExternalToolTimeout
) async throws -> [ParsedFamily] {
    try await parseWithPrometheusClient(Array(text.utf8), format: format, timeout: timeout)
}

/// Parses `bytes` with client_python; see
/// ``parseWithPrometheusClient(_:format:timeout:)``. Bytes that are not UTF-8
/// are rejected.
package func parseWithPrometheusClient(
    _ bytes: [UInt8],
    format: PrometheusClientFormat,
    timeout: Duration = defaultExternalToolTimeout
) async throws -> [ParsedFamily] {
    guard FileManager.default.fileExists(atPath: parseExpositionScript.path) else {
        throw ExternalToolError.toolMissing("\(parseExpositionScript.path) is missing")
    }
    let override = ProcessInfo.processInfo.environment["BREAKWATER_TEST_PYTHON"]
    let python = override ?? "/usr/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw ExternalToolError.toolMissing(override == nil
            ? "\(python) does not exist: run Scripts/install-test-tools"
            : "BREAKWATER_TEST_PYTHON names \(python), which is not an executable")
    }
    let run = try await runExternalTool(
        URL(fileURLWithPath: python),
        arguments: [parseExpositionScript.path, format.argument],
        input: bytes,
        mergeOutput: false,
        timeout: timeout
    )
    let errorOutput = String(decoding: run.standardError, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    switch run.exitCode {
    case 0:
        do {
            return try JSONDecoder().decode([ParsedFamily].self, from: Data(run.standardOutput))
        } catch {
            throw ExternalToolError.failed(
                command: "\(python) parse_exposition.py \(format.argument)",
                exitCode: 0,
                output: "its JSON did not decode: \(error)\n\(errorOutput)",
                excerpt: expositionExcerpt(bytes)
            )
        }
    case 1:
        throw ExternalToolError.rejected(
            parser: format.parserName,
            message: errorOutput,
            excerpt: expositionExcerpt(bytes)
        )
    case 3:
        throw ExternalToolError.toolMissing(errorOutput)
    default:
        throw ExternalToolError.failed(
            command: "\(python) parse_exposition.py \(format.argument)",
            exitCode: run.exitCode,
            output: errorOutput,
            excerpt: expositionExcerpt(bytes)
        )
    }
}

/// The script beside this file: found through `#filePath`, so it needs no resource bundle.
private let parseExpositionScript = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("parse_exposition.py")

/// A metric family as client_python parsed it.
package struct ParsedFamily: Decodable, Sendable {
    /// The family's name as client_python reports it: a counter's without `_total`.
    package let name: String
    /// client_python's type: `counter`, `gauge`, `histogram`, `summary`, `info`, `stateset`,
    /// `gaugehistogram` or `unknown`.
    package let type: String
    /// The HELP text, unescaped; empty when there was none.
    package let documentation: String
    /// The OpenMetrics UNIT; empty when there was none, and always for 0.0.4.
    package let unit: String
    /// The samples in exposition order.
    package let samples: [ParsedSample]

    /// The sample named `name` whose labels are exactly `labels`, or `nil`.
    package func sample(named name: String, labels: [String: String] = [:]) -> ParsedSample? {
        samples.first { $0.name == name && $0.labels == labels }
    }
}

/// One sample as client_python parsed it.
package struct ParsedSample: Decodable, Sendable {
    /// The sample's full name, with any `_total`, `_bucket`, `_sum`, `_count`, `_created`.
    package let name: String
    /// Label names to unescaped label values, for byte-for-byte comparison.
    package let labels: [String: String]
    /// The label names in the order the exposition wrote them.
    package let labelNames: [String]
    /// The value as text that loses nothing: `NaN`, `+Inf`, `-Inf`, or Python's repr of the
    /// double (the shortest digits that read back as the same double, e.g. `1e+20`, `3.0`).
    package let value: String
    /// The timestamp as client_python gives it (seconds, or `seconds.nanoseconds` for
    /// OpenMetrics), or `nil` when the sample has none.
    package let timestamp: String?
    /// The OpenMetrics exemplar, or `nil`.
    package let exemplar: ParsedExemplar?
    /// ``value`` as a double; NaN for `NaN`.
    package let doubleValue: Double

    /// Whether the value is exactly `expected`, where NaN equals NaN.
    package func hasValue(_ expected: Double) -> Bool {
        expected.isNaN ? doubleValue.isNaN : doubleValue == expected
    }

    private enum CodingKeys: String, CodingKey {
        case name, labels, labelNames, value, timestamp, exemplar
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        labels = try container.decode([String: String].self, forKey: .labels)
        labelNames = try container.decode([String].self, forKey: .labelNames)
        value = try container.decode(String.self, forKey: .value)
        timestamp = try container.decodeIfPresent(String.self, forKey: .timestamp)
        exemplar = try container.decodeIfPresent(ParsedExemplar.self, forKey: .exemplar)
        guard let double = parsedDouble(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: .value, in: container, debugDescription: "not a number: \(value)")
        }
        doubleValue = double
    }
}

/// An OpenMetrics exemplar as client_python parsed it.
package struct ParsedExemplar: Decodable, Sendable {
    /// The exemplar's labels, unescaped.
    package let labels: [String: String]
    /// The value, written as ``ParsedSample/value`` is.
    package let value: String
    /// The timestamp, or `nil`.
    package let timestamp: String?
}

extension Array where Element == ParsedFamily {
    /// The family named `name`, or `nil`.
    package func family(named name: String) -> ParsedFamily? {
        first { $0.name == name }
    }

    /// The sample named `name` whose labels are exactly `labels`, in whichever family, or `nil`.
    package func sample(named name: String, labels: [String: String] = [:]) -> ParsedSample? {
        lazy.compactMap { $0.sample(named: name, labels: labels) }.first
    }
}

/// Reads the value text the script writes.
private func parsedDouble(_ text: String) -> Double? {
    switch text {
    case "NaN": .nan
    case "+Inf": .infinity
    case "-Inf": -.infinity
    default: Double(text)
    }
}

// MARK: - Errors

/// Why an external tool gave no answer, or rejected an exposition.
package enum ExternalToolError: Error, CustomStringConvertible {
    /// The tool or its module is not installed; the message says how to install it.
    case toolMissing(String)
    /// A parser rejected the exposition with `message`.
    case rejected(parser: String, message: String, excerpt: String)
    /// The tool ran longer than allowed and was killed.
    case timedOut(command: String, timeout: Duration, output: String, excerpt: String)
    /// The tool could not start, or ended in a way its caller does not expect.
    case failed(command: String, exitCode: Int32, output: String, excerpt: String)

    /// The parser's message when it rejected the exposition, else `nil`.
    package var rejectionMessage: String? {
        if case .rejected(_, let message, _) = self { message } else { nil }
    }

    package var description: String {
        switch self {
        case .toolMissing(let message):
            message
        case .rejected(let parser, let message, let excerpt):
            "\(parser) rejected the exposition: \(message)\n\(excerpt)"
        case .timedOut(let command, let timeout, let output, let excerpt):
            "\(command) ran longer than \(timeout) and was killed. Its output:\n\(output)\n\(excerpt)"
        case .failed(let command, let exitCode, let output, let excerpt):
            "\(command) failed with exit code \(exitCode):\n\(output)\n\(excerpt)"
        }
    }
}

/// The first lines of an exposition, numbered, with control characters made visible, for
/// messages about it.
package func expositionExcerpt(_ text: String, lineLimit: Int = 20) -> String {
    expositionExcerpt(Array(text.utf8), lineLimit: lineLimit)
}

/// The first lines of an exposition given as bytes; see ``expositionExcerpt(_:lineLimit:)``.
package func expositionExcerpt(_ bytes: [UInt8], lineLimit: Int = 20) -> String {
    // Split the bytes, not the String: there "\r\n" is one Character that "\n" does not match.
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    if lines.last == "" { lines.removeLast() }
    var excerpt = lines.count > lineLimit
        ? "Exposition (first \(lineLimit) of \(lines.count) lines):\n"
        : "Exposition (\(lines.count) lines):\n"
    for (index, line) in lines.prefix(lineLimit).enumerated() {
        let visible = line.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control && scalar != "\t"
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
        excerpt += "\(String(repeating: " ", count: max(0, 4 - String(index + 1).count)))\(index + 1) | \(visible)\n"
    }
    return excerpt
}

// MARK: - Running a process

/// How long an external tool may run by default: far more than any of them needs, so that
/// only a hung tool reaches it.
package let defaultExternalToolTimeout: Duration = .seconds(30)

/// What a finished process left behind.
package struct ExternalToolRun: Sendable {
    /// The exit code, or the signal number when a signal ended the process.
    package let exitCode: Int32
    /// Standard output; with `mergeOutput`, standard error too.
    package let standardOutput: [UInt8]
    /// Standard error; empty with `mergeOutput`.
    package let standardError: [UInt8]
}

/// Runs `executable` with `input` on standard input and waits at most `timeout` for it.
///
/// The wait happens on a thread of its own, never on one of Swift concurrency's few threads: a
/// test waiting there for a tool would hold up every other test's tasks (on two cores, the
/// servers under test of the whole suite).
///
/// Input and output go through temporary files rather than pipes, so neither side can block
/// the other however much either writes, and a tool that exits without reading its input
/// cannot raise SIGPIPE in the test process. A tool still running at the timeout is killed
/// with SIGKILL, and the call throws ``ExternalToolError/timedOut(command:timeout:output:excerpt:)``.
///
/// - Parameter mergeOutput: Whether standard error goes to the same file as standard output,
///   so that their lines stay in the order the tool wrote them.
package func runExternalTool(
    _ executable: URL,
    arguments: [String],
    input: [UInt8],
    mergeOutput: Bool,
    timeout: Duration = defaultExternalToolTimeout
) async throws -> ExternalToolRun {
    try await offloaded {
        try runAndWait(executable, arguments: arguments, input: input, mergeOutput: mergeOutput, timeout: timeout)
    }
}

/// ``runExternalTool(_:arguments:input:mergeOutput:timeout:)``, blocking the calling thread.
private func runAndWait(
    _ executable: URL,
    arguments: [String],
    input: [UInt8],
    mergeOutput: Bool,
    timeout: Duration
) throws -> ExternalToolRun {
    let fileManager = FileManager.default
    let directory = fileManager.temporaryDirectory
        .appendingPathComponent("breakwater-external-tool-\(UUID().uuidString)")
    try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? fileManager.removeItem(at: directory) }

    let inputFile = directory.appendingPathComponent("stdin")
    let outputFile = directory.appendingPathComponent("stdout")
    let errorFile = directory.appendingPathComponent("stderr")
    try Data(input).write(to: inputFile)
    try Data().write(to: outputFile)
    try Data().write(to: errorFile)

    let inputHandle = try FileHandle(forReadingFrom: inputFile)
    let outputHandle = try FileHandle(forWritingTo: outputFile)
    let errorHandle = try FileHandle(forWritingTo: errorFile)
    defer {
        try? inputHandle.close()
        try? outputHandle.close()
        try? errorHandle.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = inputHandle
    process.standardOutput = outputHandle
    process.standardError = mergeOutput ? outputHandle : errorHandle
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }

    let command = ([executable.path] + arguments).joined(separator: " ")
    do {
        try process.run()
    } catch {
        throw ExternalToolError.failed(
            command: command, exitCode: -1, output: "could not start: \(error)",
            excerpt: expositionExcerpt(input))
    }

    if exited.wait(timeout: .now() + timeout.dispatchInterval) == .timedOut {
        // SIGKILL, not SIGTERM: a child inherits the signal mask of the thread that started it,
        // and the threads Swift concurrency and Dispatch run tests on block SIGTERM, so it
        // would stay pending. These tools have nothing to clean up.
        kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + .seconds(10))
        let output = (try? Data(contentsOf: outputFile)) ?? Data()
        let errors = mergeOutput ? Data() : (try? Data(contentsOf: errorFile)) ?? Data()
        throw ExternalToolError.timedOut(
            command: command, timeout: timeout,
            output: String(decoding: output + errors, as: UTF8.self),
            excerpt: expositionExcerpt(input))
    }
    process.waitUntilExit()

    return ExternalToolRun(
        exitCode: process.terminationStatus,
        standardOutput: Array(try Data(contentsOf: outputFile)),
        standardError: mergeOutput ? [] : Array(try Data(contentsOf: errorFile))
    )
}

extension Duration {
    /// This duration for Dispatch, to the millisecond.
    fileprivate var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
