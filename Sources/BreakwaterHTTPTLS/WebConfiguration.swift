import Foundation

/// The listener's TLS settings from a Prometheus web configuration file, the file exporters
/// read with `--web.config.file` (Prometheus's exporter-toolkit), so that one file serves a
/// fleet of exporters and this service alike.
///
/// ```yaml
/// tls_server_config:
///   cert_file: tls.crt            # relative paths are read beside this file
///   key_file: tls.key
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: ca.crt
///   min_version: TLS13
/// ```
///
/// ```swift
/// let web = try WebConfiguration(file: "/etc/breakwater/web.yml")
/// let server = try web.tls.map { try MetricsServer(collector: collector, tls: $0) }
///     ?? MetricsServer(collector: collector)
/// ```
///
/// The YAML is read as strictly as exporter-toolkit reads it: an unknown or repeated key is an
/// error naming its line. `client_auth_type` takes exporter-toolkit's five values
/// (`NoClientCert`, `RequestClientCert`, `RequireAnyClientCert`, `VerifyClientCertIfGiven`,
/// `RequireAndVerifyClientCert`), `min_version` `TLS12` or `TLS13`. `http_server_config`'s
/// `http2` is accepted and has no effect: the listener speaks HTTP/1.1, which every client
/// negotiates. Keys exporter-toolkit knows that Breakwater does not implement
/// (`basic_auth_users`, `cipher_suites`, `max_version`, `headers`, ...) are refused by name
/// rather than ignored, so that no setting is silently dropped. Unlike exporter-toolkit, the two
/// verifying client modes need `client_ca_file` (they do not fall back to the system's
/// authorities), and `client_ca_file` with a mode that verifies nothing is an error.
///
/// The file is read once, when the configuration is made; the certificate files it names are
/// read again whenever they change (see ``MetricsServerTLS``), but a change to the web
/// configuration file itself (another `client_auth_type`, other paths) takes a restart, where
/// exporter-toolkit reads the file again at each handshake.
public struct WebConfiguration: Sendable, Hashable {
    /// TLS for the listener, or `nil` when the file asks for none (an empty file, or one without
    /// `tls_server_config`): plain HTTP.
    public var tls: MetricsServerTLS?

    /// A configuration serving `tls`.
    public init(tls: MetricsServerTLS?) {
        self.tls = tls
    }

    /// The configuration in the YAML file at `path`; relative paths in it are read from the
    /// file's directory. The certificate files themselves are read when the server is created.
    /// - Throws: ``WebConfigurationError`` when the file cannot be read, is not YAML, or holds
    ///   a key or value this type does not take.
    public init(file path: String) throws(WebConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw WebConfigurationError(file: path, line: nil, reason: "cannot be read: \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try self.init(yaml: text, directory: directory, file: path)
    }

    /// The configuration in `yaml`, with relative paths read from `directory`.
    /// - Parameters:
    ///   - yaml: The text of a web configuration file.
    ///   - directory: The directory relative paths in it are read from.
    ///   - file: The name errors give the text.
    /// - Throws: ``WebConfigurationError`` as ``init(file:)``.
    public init(yaml: String, directory: String, file: String = "web configuration") throws(WebConfigurationError) {
        var reader = WebConfigurationReader(file: file, directory: directory)
        self.init(tls: try reader.tls(in: yaml))
    }
}

/// Why a web configuration file was refused.
public struct WebConfigurationError: Error, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The line the problem is on, counted from 1, when it has one.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    public var description: String {
        "\(file)\(line.map { ", line \($0)" } ?? ""): \(reason)"
    }
}
