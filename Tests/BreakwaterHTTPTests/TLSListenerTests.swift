import BreakwaterHTTP
import BreakwaterHTTPTLS
import BreakwaterMetrics
import BreakwaterTestSupport
import Foundation
import Logging
import Testing

/// The listener over TLS, driven by curl and openssl over real TCP with certificates made for
/// each test: HTTPS scrapes, mutual TLS, failures that leave the listener serving, and
/// certificates replaced on disk.
@Suite struct TLSListenerTests {
    /// The serial number of the certificate the server on `port` presents to a new connection.
    func servedSerial(port: Int) async throws -> String {
        let run = try await runExternalTool(
            URL(fileURLWithPath: "/bin/bash"),
            arguments: ["-c", "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial"],
            input: [], mergeOutput: true)
        return String(decoding: run.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aClientTrustingTheAuthorityScrapesOverHTTPS() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server")
        try await withTLSServer(MetricsServerTLS(certificateChainFile: server.certificate, privateKeyFile: server.key)) { port in
            let scrape = try await curl(["--cacert", authority.certificateFile, "--compressed"], "https://127.0.0.1:\(port)/metrics")
            #expect(scrape.status == 200, "\(scrape.output)")
            #expect(scrape.output.contains("# TYPE breakwater_scrape_requests_total counter"))
            let page = try await curl(["--cacert", authority.certificateFile], "https://localhost:\(port)/")
            #expect(page.status == 200)
        }
    }

    @Test func aRealPrometheusScrapesOverMutualTLS() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server")
        let client = try await authority.issue("client", forClient: true)
        let tls = MetricsServerTLS(
            certificateChainFile: server.certificate, privateKeyFile: server.key,
            clientAuthentication: .required(caFile: authority.certificateFile))
        try await withTLSServer(tls) { port in
            let settings = """
                    scheme: https
                    tls_config:
                      ca_file: \(authority.certificateFile)
                      cert_file: \(client.certificate)
                      key_file: \(client.key)
                """
            try await withPrometheus(scrapingPort: port, job: "breakwater-tls", scrapeSettings: settings) { prometheus in
                let target = try await prometheus.eventually("the target is up over HTTPS") {
                    try await prometheus.activeTargets().first { $0.labels["job"] == "breakwater-tls" && $0.health == "up" }
                }
                #expect(target.scrapeUrl == "https://127.0.0.1:\(port)/metrics")
                let requests = try await prometheus.eventually(
                    #"breakwater_scrape_requests_total{job="breakwater-tls",code="200"}"#, satisfies: "counts a scrape"
                ) { $0.contains { $0.value >= 1 } }
                #expect(!requests.isEmpty)
            }
        }
    }

    @Test func plainHTTPAndUntrustedClientsFailWhileTheListenerKeepsServing() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server")
        try await withTLSServer(MetricsServerTLS(certificateChainFile: server.certificate, privateKeyFile: server.key)) { port in
            let plain = try await curl([], "http://127.0.0.1:\(port)/metrics")
            #expect(plain.status == 400)
            #expect(plain.output.contains("this port speaks HTTPS"))
            let untrusting = try await curl([], "https://127.0.0.1:\(port)/metrics")
            #expect(untrusting.status == 0)
            #expect(untrusting.exitCode != 0)
            let scrape = try await curl(["--cacert", authority.certificateFile], "https://127.0.0.1:\(port)/metrics")
            #expect(scrape.status == 200)
        }
    }

    @Test func aHandshakeThatNeverFinishesIsCutOffAtTheReadTimeout() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server")
        let tls = MetricsServerTLS(certificateChainFile: server.certificate, privateKeyFile: server.key)
        try await withTLSServer(tls, readTimeout: .seconds(1)) { port in
            // The first bytes of a TLS record, and then nothing: the server must close, not wait.
            let script = """
                import socket, sys, time
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                s.sendall(bytes([0x16, 0x03, 0x01]))
                s.settimeout(30)
                start = time.monotonic()
                while s.recv(4096):
                    pass
                print(round(time.monotonic() - start, 1))
                """
            let run = try await runExternalTool(
                URL(fileURLWithPath: "/usr/bin/python3"), arguments: ["-c", script, String(port)], input: [], mergeOutput: true)
            let output = String(decoding: run.standardOutput, as: UTF8.self)
            let closedAfter = try #require(Double(output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(output)")
            #expect(closedAfter < 20, "the stalled handshake was closed after \(closedAfter) s")
            let scrape = try await curl(["--cacert", authority.certificateFile], "https://127.0.0.1:\(port)/metrics")
            #expect(scrape.status == 200)
        }
    }

    /// With a required client certificate, only clients with one from the authority are served;
    /// with an optional one, clients without are served too, but a certificate given must be
    /// the authority's.
    @Test(arguments: [true, false])
    func clientCertificatesAreVerifiedAgainstTheAuthority(required: Bool) async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let stranger = try await CertificateAuthority(name: "stranger", beside: authority)
        let server = try await authority.issue("server")
        let client = try await authority.issue("client", forClient: true)
        let impostor = try await stranger.issue("impostor", forClient: true)
        let tls = MetricsServerTLS(
            certificateChainFile: server.certificate, privateKeyFile: server.key,
            clientAuthentication: required
                ? .required(caFile: authority.certificateFile) : .verifyIfGiven(caFile: authority.certificateFile))
        try await withTLSServer(tls) { port in
            let url = "https://127.0.0.1:\(port)/metrics"
            let trust = ["--cacert", authority.certificateFile]
            let anonymous = try await curl(trust, url)
            let wrong = try await curl(trust + ["--cert", impostor.certificate, "--key", impostor.key], url)
            let right = try await curl(trust + ["--cert", client.certificate, "--key", client.key], url)
            #expect(anonymous.status == (required ? 0 : 200), "\(anonymous.output)")
            #expect(wrong.status == 0, "\(wrong.output)")
            #expect(right.status == 200, "\(right.output)")
        }
    }

    /// exporter-toolkit's `RequestClientCert` and `RequireAnyClientCert`: a certificate from
    /// anyone is taken; only the second turns away a client without one.
    @Test(arguments: [MetricsServerTLS.ClientAuthentication.requestedUnverified, .requiredUnverified])
    func unverifiedClientCertificatesAreTakenFromAnyone(mode: MetricsServerTLS.ClientAuthentication) async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let stranger = try await CertificateAuthority(name: "stranger", beside: authority)
        let server = try await authority.issue("server")
        let impostor = try await stranger.issue("impostor", forClient: true)
        let tls = MetricsServerTLS(certificateChainFile: server.certificate, privateKeyFile: server.key, clientAuthentication: mode)
        try await withTLSServer(tls) { port in
            let url = "https://127.0.0.1:\(port)/metrics"
            let trust = ["--cacert", authority.certificateFile]
            let anonymous = try await curl(trust, url)
            let strangers = try await curl(trust + ["--cert", impostor.certificate, "--key", impostor.key], url)
            #expect(anonymous.status == (mode == .requiredUnverified ? 0 : 200), "\(anonymous.output)")
            #expect(strangers.status == 200, "\(strangers.output)")
        }
    }

    @Test func anExpiredClientCertificateIsRefusedAndTheListenerKeepsServing() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server")
        let expired = try await authority.issue("expired", forClient: true, days: -1)
        let client = try await authority.issue("client", forClient: true)
        let tls = MetricsServerTLS(
            certificateChainFile: server.certificate, privateKeyFile: server.key,
            clientAuthentication: .required(caFile: authority.certificateFile))
        try await withTLSServer(tls) { port in
            let url = "https://127.0.0.1:\(port)/metrics"
            let trust = ["--cacert", authority.certificateFile]
            let refused = try await curl(trust + ["--cert", expired.certificate, "--key", expired.key], url)
            let served = try await curl(trust + ["--cert", client.certificate, "--key", client.key], url)
            #expect(refused.status == 0, "\(refused.output)")
            #expect(refused.output.contains("expired"), "\(refused.output)")
            #expect(served.status == 200, "\(served.output)")
        }
    }

    /// A server certificate past its end still loads (it may be the only one there is), is
    /// logged as a warning, and clients refuse it saying why.
    @Test func anExpiredServerCertificateIsLoggedAndRefusedByClients() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let server = try await authority.issue("server", days: -1)
        let records = LogRecords()
        try await withTLSServer(MetricsServerTLS(certificateChainFile: server.certificate, privateKeyFile: server.key), logTo: records) { port in
            let refused = try await curl(["--cacert", authority.certificateFile], "https://127.0.0.1:\(port)/metrics")
            #expect(refused.status == 0)
            #expect(refused.output.contains("expired"), "\(refused.output)")
        }
        let warnings = records.lines.withLock { $0.filter { $0.level == .warning } }
        #expect(warnings.map(\.message) == ["metrics server TLS certificate has expired; clients that verify it refuse it"])
        #expect(warnings.first?.metadata["file"] == server.certificate)
    }

    @Test func aReplacedCertificateIsServedToTheNextConnectionAndAHalfWrittenOneIsNot() async throws {
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let first = try await authority.issue("server")
        try await withTLSServer(MetricsServerTLS(certificateChainFile: first.certificate, privateKeyFile: first.key)) { port in
            let firstSerial = try await authority.serial(of: first.certificate)
            let servedFirst = try await servedSerial(port: port)
            #expect(servedFirst == firstSerial)

            // A rotation: the new pair renamed over the old, as cert-manager's sidecars do.
            let second = try await authority.issue("second")
            let secondSerial = try await authority.serial(of: second.certificate)
            #expect(secondSerial != firstSerial)
            try FileManager.default.removeItem(atPath: first.key)
            try FileManager.default.moveItem(atPath: second.key, toPath: first.key)
            try FileManager.default.removeItem(atPath: first.certificate)
            try FileManager.default.moveItem(atPath: second.certificate, toPath: first.certificate)
            let servedSecond = try await servedSerial(port: port)
            #expect(servedSecond == secondSerial)

            // A certificate written before its key: the pair does not match, the last good one stays.
            let third = try await authority.issue("third")
            try FileManager.default.removeItem(atPath: first.certificate)
            try FileManager.default.moveItem(atPath: third.certificate, toPath: first.certificate)
            let servedHalf = try await servedSerial(port: port)
            let scrape = try await curl(["--cacert", authority.certificateFile], "https://127.0.0.1:\(port)/metrics")
            #expect(servedHalf == secondSerial)
            #expect(scrape.status == 200)

            // The key arrives: the new pair is served.
            try FileManager.default.removeItem(atPath: first.key)
            try FileManager.default.moveItem(atPath: third.key, toPath: first.key)
            let thirdSerial = try await authority.serial(of: first.certificate)
            let servedThird = try await servedSerial(port: port)
            #expect(servedThird == thirdSerial)
        }
    }

    /// A Python client for ``aRotationUnderLoadDropsNoConnectionAndFailsNoHandshake()``: one
    /// keep-alive connection, and four threads making a new connection per scrape. Once each has
    /// been served, it writes the file `argv[3]`; it waits for the file `argv[4]` (the rotation
    /// done), lets each thread make three more connections, then scrapes again on the keep-alive
    /// connection. Prints a JSON summary.
    static let rotationClient = """
        import http.client, json, os, ssl, sys, threading, time
        port, authority, ready, rotated = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        context = ssl.create_default_context(cafile=authority)

        def scrape(connection):
            connection.request("GET", "/metrics")
            response = connection.getresponse()
            response.read()
            return response.status, connection.sock.getpeercert()["serialNumber"]

        kept = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        kept_before = scrape(kept)
        lock = threading.Lock()
        served, failures, rounds = [], [], [0, 0, 0, 0]
        done = threading.Event()

        def connect_again_and_again(index):
            after_rotation = 0
            while after_rotation < 3 and not done.is_set():
                rotation_seen = os.path.exists(rotated)
                try:
                    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
                    result = scrape(connection)
                    connection.close()
                    with lock:
                        served.append(result)
                except Exception as error:
                    with lock:
                        failures.append(repr(error))
                rounds[index] += 1
                after_rotation += rotation_seen

        threads = [threading.Thread(target=connect_again_and_again, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while min(rounds) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        open(ready, "w").close()
        while not os.path.exists(rotated) and time.monotonic() < deadline:
            time.sleep(0.01)
        for thread in threads:
            thread.join(60)
        done.set()
        kept_after = scrape(kept)
        print(json.dumps({
            "kept_statuses": [kept_before[0], kept_after[0]],
            "kept_serials": [kept_before[1], kept_after[1]],
            "statuses": sorted({status for status, _ in served}),
            "serials": sorted({serial for _, serial in served}),
            "handshakes": len(served),
            "failures": failures[:5],
        }))
        """

    /// A rotation while clients keep connecting: the keep-alive connection made before it is
    /// served after it (with the certificate it was made with), and no handshake fails, not even
    /// in the moment the key is the new one and the certificate the old.
    @Test func aRotationUnderLoadDropsNoConnectionAndFailsNoHandshake() async throws {
        struct Summary: Decodable {
            let keptStatuses: [Int]
            let keptSerials: [String]
            let statuses: [Int]
            let serials: [String]
            let handshakes: Int
            let failures: [String]
        }
        let authority = try await CertificateAuthority()
        defer { authority.remove() }
        let first = try await authority.issue("server")
        let second = try await authority.issue("second")
        let firstSerial = String(try await authority.serial(of: first.certificate).dropFirst("serial=".count))
        let secondSerial = String(try await authority.serial(of: second.certificate).dropFirst("serial=".count))
        let ready = authority.path("ready")
        let rotated = authority.path("rotated")
        try await withTLSServer(MetricsServerTLS(certificateChainFile: first.certificate, privateKeyFile: first.key)) { port in
            async let client = runExternalTool(
                URL(fileURLWithPath: "/usr/bin/python3"),
                arguments: ["-c", Self.rotationClient, String(port), authority.certificateFile, ready, rotated],
                input: [], mergeOutput: false, timeout: .seconds(180))
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: ready), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            // The key first, then the certificate, each removed and renamed: in between, the key
            // is missing, then the pair does not match, and handshakes go on meanwhile.
            try FileManager.default.removeItem(atPath: first.key)
            try await Task.sleep(for: .milliseconds(50))
            try FileManager.default.moveItem(atPath: second.key, toPath: first.key)
            try await Task.sleep(for: .milliseconds(50))
            try FileManager.default.removeItem(atPath: first.certificate)
            try FileManager.default.moveItem(atPath: second.certificate, toPath: first.certificate)
            _ = FileManager.default.createFile(atPath: rotated, contents: nil)

            let run = try await client
            let output = String(decoding: run.standardOutput + run.standardError, as: UTF8.self)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let summary = try decoder.decode(Summary.self, from: Data(run.standardOutput))
            #expect(summary.failures.isEmpty, "\(output)")
            #expect(summary.keptStatuses == [200, 200], "\(output)")
            #expect(summary.keptSerials == [firstSerial, firstSerial], "\(output)")
            #expect(summary.statuses == [200], "\(output)")
            #expect(Set(summary.serials) == [firstSerial, secondSerial], "\(output)")
            #expect(summary.handshakes >= 16, "\(output)")
        }
    }

    @Test func aFileThatDoesNotLoadIsNamedWhenTheServerIsCreated() throws {
        let error = #expect(throws: MetricsServerTLSError.self) {
            try MetricsServer(
                collector: MetricsCollector(processMetrics: false),
                tls: MetricsServerTLS(certificateChainFile: "/nonexistent/tls.crt", privateKeyFile: "/nonexistent/tls.key"))
        }
        #expect(error?.file == "/nonexistent/tls.crt")
        #expect(error.map { "\($0)" }?.contains("/nonexistent/tls.crt") == true)
    }
}
