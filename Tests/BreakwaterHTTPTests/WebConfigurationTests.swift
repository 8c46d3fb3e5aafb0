import BreakwaterHTTPTLS
import BreakwaterTestSupport
import Foundation
import Testing

/// The web configuration file of Prometheus's exporters, read as exporter-toolkit reads it, with
/// `promtool check web-config` (exporter-toolkit inside the Prometheus server) as the judge of
/// what is valid.
@Suite struct WebConfigurationTests {
    /// Files with certificates made by openssl, and a web configuration file beside them.
    struct Files {
        let authority: CertificateAuthority
        let server: (certificate: String, key: String)

        init() async throws {
            authority = try await CertificateAuthority()
            server = try await authority.issue("server")
        }

        /// Writes `yaml` to `web.yml` beside the certificates and returns its path.
        func write(_ yaml: String) throws -> String {
            let path = authority.path("web.yml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// Documents both readers take, with the TLS Breakwater makes of them (paths relative to the
    /// certificates' directory).
    static let accepted: [(yaml: String, tls: MetricsServerTLS?)] = [
        ("", nil),
        ("tls_server_config:\n", nil),
        ("http_server_config:\n  http2: false\n", nil),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
            MetricsServerTLS(certificateChainFile: "server.crt", privateKeyFile: "server.key")
        ),
        (
            """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            http_server_config:
              http2: true
            """,
            MetricsServerTLS(
                certificateChainFile: "server.crt", privateKeyFile: "server.key",
                clientAuthentication: .required(caFile: "ca.crt"), minimumVersion: .tls13)
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n",
            MetricsServerTLS(certificateChainFile: "server.crt", privateKeyFile: "server.key", clientAuthentication: .verifyIfGiven(caFile: "ca.crt"))
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequestClientCert\n",
            MetricsServerTLS(certificateChainFile: "server.crt", privateKeyFile: "server.key", clientAuthentication: .requestedUnverified)
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n  min_version: TLS12\n",
            MetricsServerTLS(certificateChainFile: "server.crt", privateKeyFile: "server.key", clientAuthentication: .requiredUnverified)
        ),
    ]

    /// Documents both readers refuse, with the line Breakwater names and words of its reason.
    static let refusedByBoth: [(yaml: String, line: Int?, reason: String)] = [
        ("tls_server_config:\n  cert_file: server.crt\n  kye_file: server.key\n", 3, "unknown key kye_file in tls_server_config"),
        ("tls_sever_config:\n  cert_file: server.crt\n", 1, "unknown key tls_sever_config in the file"),
        ("tls_server_config:\n  key_file: server.key\n", 2, "needs cert_file"),
        ("tls_server_config:\n  cert_file: server.crt\n", 2, "needs key_file"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireVerifiedCert\n",
            4, "client_auth_type RequireVerifiedCert is none of"
        ),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n", 4, "min_version TLS14 is none of"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n",
            2, "verifies no certificate"
        ),
        ("tls_server_config:\n  cert_file: server.crt\n  cert_file: server.crt\n  key_file: server.key\n", nil, "cert_file"),
        ("tls_server_config: [server.crt]\n", 1, "must be a mapping"),
        ("http_server_config:\n  http2: maybe\n", 2, "http2 must be true or false"),
        ("tls_server_config:\n  cert_file: server.crt\n    key_file: server.key\n", nil, "is not valid YAML"),
    ]

    /// Valid for exporter-toolkit, refused by Breakwater, each by name and with the reason.
    static let refusedByBreakwater: [(yaml: String, line: Int, reason: String)] = [
        ("basic_auth_users:\n  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n", 1, "basic_auth_users in the file: bcrypt"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  max_version: TLS13\n", 4, "max_version in tls_server_config"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
            4, "cipher_suites in tls_server_config"
        ),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n", 4, "older than TLS12"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
            4, "needs client_ca_file"
        ),
    ]

    /// What `promtool check web-config` says of `yaml`, written beside the certificates.
    func promtoolAccepts(_ yaml: String, files: Files) async throws -> (accepted: Bool, output: String) {
        let path = try files.write(yaml)
        let run = try await runExternalTool(URL(fileURLWithPath: "/usr/bin/promtool"), arguments: ["check", "web-config", path], input: [], mergeOutput: true)
        return (run.exitCode == 0, String(decoding: run.standardOutput, as: UTF8.self))
    }

    @Test func whatPromtoolAcceptsIsReadAsTheSameTLS() async throws {
        let files = try await Files()
        defer { files.authority.remove() }
        for (yaml, expected) in Self.accepted {
            let promtool = try await promtoolAccepts(yaml, files: files)
            #expect(promtool.accepted, "promtool refused:\n\(yaml)\n\(promtool.output)")
            let read = try WebConfiguration(file: try files.write(yaml))
            var absolute = expected
            absolute?.certificateChainFile = files.authority.path("server.crt")
            absolute?.privateKeyFile = files.authority.path("server.key")
            switch expected?.clientAuthentication {
            case .required?: absolute?.clientAuthentication = .required(caFile: files.authority.path("ca.crt"))
            case .verifyIfGiven?: absolute?.clientAuthentication = .verifyIfGiven(caFile: files.authority.path("ca.crt"))
            default: break
            }
            #expect(read.tls == absolute, "\(yaml)")
        }
    }

    @Test func whatPromtoolRefusesIsRefusedWithItsLine() async throws {
        let files = try await Files()
        defer { files.authority.remove() }
        for (yaml, line, reason) in Self.refusedByBoth {
            let promtool = try await promtoolAccepts(yaml, files: files)
            #expect(!promtool.accepted, "promtool accepted:\n\(yaml)")
            let error = #expect(throws: WebConfigurationError.self, "\(yaml)") { try WebConfiguration(file: try files.write(yaml)) }
            if let line { #expect(error?.line == line, "\(yaml)\n\(String(describing: error))") }
            #expect(error?.description.contains(reason) == true, "\(yaml)\n\(String(describing: error))")
        }
    }

    @Test func keysBreakwaterDoesNotImplementAreRefusedByName() async throws {
        let files = try await Files()
        defer { files.authority.remove() }
        for (yaml, line, reason) in Self.refusedByBreakwater {
            let promtool = try await promtoolAccepts(yaml, files: files)
            #expect(promtool.accepted, "promtool refused:\n\(yaml)\n\(promtool.output)")
            let error = #expect(throws: WebConfigurationError.self, "\(yaml)") { try WebConfiguration(file: try files.write(yaml)) }
            #expect(error?.line == line, "\(yaml)\n\(String(describing: error))")
            #expect(error?.description.contains(reason) == true, "\(yaml)\n\(String(describing: error))")
            #expect(error?.description.hasPrefix(files.authority.path("web.yml")) == true)
        }
    }

    @Test func aMissingFileIsNamed() {
        let error = #expect(throws: WebConfigurationError.self) { try WebConfiguration(file: "/nonexistent/web.yml") }
        #expect(error?.description.hasPrefix("/nonexistent/web.yml: cannot be read") == true, "\(String(describing: error))")
    }

    @Test func aServerFromTheFileAsksForClientCertificates() async throws {
        let files = try await Files()
        defer { files.authority.remove() }
        let client = try await files.authority.issue("client", forClient: true)
        let path = try files.write("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            """)
        let tls = try #require(try WebConfiguration(file: path).tls)
        try await withTLSServer(tls) { port in
            let url = "https://127.0.0.1:\(port)/metrics"
            let anonymous = try await curl(["--cacert", files.authority.certificateFile], url)
            let mutual = try await curl(["--cacert", files.authority.certificateFile, "--cert", client.certificate, "--key", client.key], url)
            #expect(anonymous.status == 0)
            #expect(mutual.status == 200, "\(mutual.output)")
        }
    }
}
