import Breakwater
import BreakwaterTestSupport
import Foundation
import Testing

/// The hostile-client battery against the TLS port of `breakwater-demo` (3,000 circuits, over
/// HTTPS from a web configuration file), each case made after a completed handshake (the silent
/// connections before any) by `Tests/HostileTLS/hostile_tls.py`, with the demo's memory measured.
@Suite(.serialized) struct HostileTLSTests {
    /// What the script saw of each case.
    struct Results: Decodable {
        struct Case: Decodable {
            var status: Int?
            var seconds: Double?
            var answered: Int?
            var closedAfter: Double?
            var error: String?
            var scrapeAfter: Int?
        }

        var lockout: Case
        var connect: Case
        var pipelinedHeads: Case
        var neverRead: Case
        var halfClose: Case
        var slowloris: Case

        /// The script's snake-case keys, read into these properties.
        static func decode(_ json: [UInt8]) throws -> Results {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Results.self, from: Data(json))
        }
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HostileTLS").appendingPathComponent("hostile_tls.py")

    @Test func everyHostileCaseOverTLSLeavesTheListenerServingWithinItsBounds() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        _ = try await authority.issue("server")
        let webConfig = authority.path("web.yml")
        try "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n".write(toFile: webConfig, atomically: true, encoding: .utf8)
        let demo = try await offloaded {
            try DemoProcess(arguments: [
                "--web.config.file", webConfig, "--circuits", String(ResourceBoundTests.circuits), "--scenario", "steady", "--rate", "1",
            ])
        }
        defer { demo.stop() }
        let body = try await curl(["--cacert", authority.certificateFile], "https://127.0.0.1:\(demo.port)/metrics")
        #expect(body.status == 200)
        let bodySize = body.output.utf8.count
        let before = demo.residentBytes
        let cpuBefore = demo.cpuTime

        // The resident memory is sampled while the script runs: its peak is while clients hold
        // responses they never read.
        let peakResident = Guarded(before)
        let sampling = Task {
            while !Task.isCancelled {
                let resident = demo.residentBytes
                peakResident.withLock { $0 = max($0, resident) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let port = demo.port
        let authorityFile = authority.certificateFile
        let output = try await runExternalTool(
            URL(fileURLWithPath: "/usr/bin/python3"),
            arguments: [Self.script.path, String(port), authorityFile,
                        "lockout", "connect", "pipelined_heads", "never_read", "half_close", "slowloris"],
            input: [], mergeOutput: false, timeout: .seconds(180))
        sampling.cancel()
        await sampling.value
        let peak = peakResident.withLock { $0 }
        let after = demo.residentBytes
        let cpu = demo.cpuTime - cpuBefore
        let text = String(decoding: output.standardOutput, as: UTF8.self)
        #expect(output.exitCode == 0, "\(text)\(String(decoding: output.standardError, as: UTF8.self))")
        let results = try Results.decode(output.standardOutput)
        print("""
            resources: the hostile battery over TLS: resident \(ResourceBoundTests.megabytes(before)) -> peak \
            \(ResourceBoundTests.megabytes(peak)) -> \(ResourceBoundTests.megabytes(after)), CPU \(ResourceBoundTests.milliseconds(cpu)); \
            body \(ResourceBoundTests.megabytes(bodySize)); \(text)
            """)

        // 1,000 silent connections and 100 trickling ones held: a scrape still succeeds in time.
        #expect(results.lockout.status == 200, "\(results.lockout)")
        #expect((results.lockout.seconds ?? 99) < 10)
        // CONNECT after the handshake: refused, and the 16 MB after it never buffered.
        #expect(results.connect.status == 405, "\(results.connect)")
        // 1,000 pipelined HEADs: the pipelining limit's worth answered, then the close.
        #expect((1...16).contains(results.pipelinedHeads.answered ?? 0), "\(results.pipelinedHeads)")
        // A request, then the client's FIN without close_notify: answered.
        #expect(results.halfClose.status == 200, "\(results.halfClose)")
        // A head a byte a second: cut off near the read timeout (10 s) and the linger after it.
        #expect((results.slowloris.closedAfter ?? 99) < 25, "\(results.slowloris)")
        for (name, result) in [("lockout", results.lockout), ("connect", results.connect), ("pipelined_heads", results.pipelinedHeads),
                               ("never_read", results.neverRead), ("half_close", results.halfClose), ("slowloris", results.slowloris)] {
            #expect(result.error == nil, "\(name): \(result)")
            #expect(result.scrapeAfter == 200, "a scrape after \(name): \(result)")
        }
        // 50 clients that never read a whole body over TLS share one render, and each holds a
        // slice of it beyond the socket's buffers, never an encrypted copy of all of it.
        #expect(peak - before < 4 * bodySize + 50 * 1_024 * 1_024, "peak \(peak), before \(before), body \(bodySize)")
    }
}
