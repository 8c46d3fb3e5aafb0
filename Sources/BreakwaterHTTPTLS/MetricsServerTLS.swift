/// TLS for a `MetricsServer`'s listener: the server's certificate and key, and
/// whether clients must present a certificate of their own (mutual TLS), in files that may be
/// replaced while the server runs.
///
/// ```swift
/// let server = try MetricsServer(
///     collector: collector,
///     tls: MetricsServerTLS(
///         certificateChainFile: "/etc/tls/tls.crt",
///         privateKeyFile: "/etc/tls/tls.key",
///         clientAuthentication: .required(caFile: "/etc/tls/ca.crt")
///     )
/// )
/// ```
///
/// The files are read when the server is created, and again for a new connection whenever one
/// of them changed (cert-manager or a sidecar rotating them): open connections keep the
/// certificate they began with; a set of files that does not load (a certificate written before
/// its key) leaves the last good one in use.
public struct MetricsServerTLS: Sendable, Hashable {
    /// Whether and how clients prove who they are with a certificate.
    public enum ClientAuthentication: Sendable, Hashable {
        /// No client certificate is asked for (exporter-toolkit's `NoClientCert`).
        case none
        /// A client may present a certificate, which must then be signed by a certificate
        /// authority in the PEM file at `caFile` (`VerifyClientCertIfGiven`).
        case verifyIfGiven(caFile: String)
        /// Every client must present a certificate signed by a certificate authority in the PEM
        /// file at `caFile`, or its handshake fails (`RequireAndVerifyClientCert`).
        case required(caFile: String)
        /// A client may present a certificate, which is taken without any check
        /// (`RequestClientCert`): for a proxy in front that verifies clients itself. Such a
        /// certificate proves nothing; the connection is served either way.
        case requestedUnverified
        /// Every client must present a certificate, which is taken without any check
        /// (`RequireAnyClientCert`): for a proxy in front that verifies clients itself. Such a
        /// certificate proves nothing.
        case requiredUnverified
    }

    /// The oldest protocol version a client may use.
    public enum Version: Sendable, Hashable {
        /// TLS 1.2, the default, as exporter-toolkit's.
        case tls12
        /// TLS 1.3.
        case tls13
    }

    /// A PEM file with the server's certificate, followed by any intermediate certificates.
    public var certificateChainFile: String
    /// A PEM file with the private key of the certificate.
    public var privateKeyFile: String
    /// Whether clients must present certificates. Default ``ClientAuthentication/none``.
    public var clientAuthentication: ClientAuthentication
    /// The oldest TLS version accepted. Default ``Version/tls12``.
    public var minimumVersion: Version

    /// TLS with the certificate chain and key in these PEM files.
    public init(
        certificateChainFile: String,
        privateKeyFile: String,
        clientAuthentication: ClientAuthentication = .none,
        minimumVersion: Version = .tls12
    ) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientAuthentication = clientAuthentication
        self.minimumVersion = minimumVersion
    }

    /// Every file the configuration reads.
    var files: [String] {
        switch clientAuthentication {
        case .none, .requestedUnverified, .requiredUnverified: [certificateChainFile, privateKeyFile]
        case .verifyIfGiven(let caFile), .required(let caFile): [certificateChainFile, privateKeyFile, caFile]
        }
    }
}
