// `breakwater-demo` as a child process, so that memory can be measured on a server that shares
// its process with nothing else: the test process runs every other test at the same time.

import Foundation

/// A running `breakwater-demo`, built beside the test bundle, serving on 127.0.0.1 (over HTTP, or
/// HTTPS with `--web.config.file`).
final class DemoProcess: @unchecked Sendable {
    private let process = Process()
    private let outputFile: URL
    /// The port it serves on.
    private(set) var port = 0

    /// Starts the demo with `arguments` (after `--host 127.0.0.1 --port 0`) and waits until it
    /// says where it serves.
    init(arguments: [String]) throws {
        let executable = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .deletingLastPathComponent().appendingPathComponent("breakwater-demo")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw RawConnectionError(description: "\(executable.path) is missing: swift build builds it beside the tests")
        }
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("breakwater-demo-\(UUID().uuidString).log")
        try Data().write(to: outputFile)
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        process.executableURL = executable
        process.arguments = ["--host", "127.0.0.1", "--port", "0"] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while port == 0 {
            let log = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            if let address = log.range(of: "://127.0.0.1:"),
                let found = Int(log[address.upperBound...].prefix { $0.isNumber })
            {
                port = found
                break
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw RawConnectionError(description: "breakwater-demo did not start serving: \(log)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The demo's resident memory, in bytes, from `/proc`.
    var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 1_024
    }

    /// The CPU time the demo has used, user and system, from `/proc` (to the clock tick, 10 ms).
    var cpuTime: Duration {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields = stat[(stat.lastIndex(of: ")").map(stat.index(after:)) ?? stat.endIndex)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return .zero }
        return .milliseconds((user + system) * 1_000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Ends the demo at once. SIGKILL: children of test threads start with SIGTERM blocked.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputFile)
    }

    deinit {
        stop()
    }
}
