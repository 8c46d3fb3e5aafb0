import Breakwater
import Foundation
import Logging
import NIOSSL

/// The TLS context new connections get: built from the configuration's files, and built again
/// when one of them changed since.
final class TLSContextSource: Sendable {
    private struct Current {
        var stamps: [FileStamp]
        var context: NIOSSLContext
        /// The stamps of a set of files that did not load, so it is not tried again per connection.
        var failedStamps: [FileStamp]?
        /// The served certificate, whose validity is checked as connections arrive.
        var certificate: NIOSSLCertificate
        /// Whether the certificate was logged as outside its validity: once per certificate.
        var loggedInvalid = false
    }

    private let tls: MetricsServerTLS
    private let logger: Logger
    private let current: Guarded<Current>

    /// A source for `tls`, whose files must load now.
    init(_ tls: MetricsServerTLS, logger: Logger) throws(MetricsServerTLSError) {
        self.tls = tls
        self.logger = logger
        let stamps = tls.files.map(FileStamp.init(path:))
        let (context, certificate) = try Self.makeContext(tls)
        var loaded = Current(stamps: stamps, context: context, failedStamps: nil, certificate: certificate)
        Self.logIfInvalid(&loaded, file: tls.certificateChainFile, logger: logger)
        current = Guarded(loaded)
    }

    /// The context for a connection accepted now: the last one built, or a new one when the files
    /// changed and load; when they do not, the last good one, and the failure is logged once.
    func context() -> NIOSSLContext {
        let stamps = tls.files.map(FileStamp.init(path:))
        return current.withLock { current in
            if stamps != current.stamps, stamps != current.failedStamps {
                do {
                    let (context, certificate) = try Self.makeContext(tls)
                    current = Current(stamps: stamps, context: context, failedStamps: nil, certificate: certificate)
                    logger.info("metrics server TLS files reloaded")
                } catch {
                    current.failedStamps = stamps
                    logger.error("metrics server TLS files changed but do not load; serving the previous ones: \(error)")
                }
            }
            Self.logIfInvalid(&current, file: tls.certificateChainFile, logger: logger)
            return current.context
        }
    }

    /// A context from the files, with the certificate it serves.
    private static func makeContext(_ tls: MetricsServerTLS) throws(MetricsServerTLSError) -> (NIOSSLContext, NIOSSLCertificate) {
        let chain = try certificates(in: tls.certificateChainFile)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
        } catch {
            throw MetricsServerTLSError(file: tls.privateKeyFile, reason: "\(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = tls.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        switch tls.clientAuthentication {
        case .none:
            break
        case .verifyIfGiven(let caFile), .required(let caFile):
            configuration.certificateVerification = tls.clientAuthentication.requiresCertificate
                ? .noHostnameVerification : .optionalVerification
            configuration.trustRoots = .certificates(try certificates(in: caFile))
            configuration.sendCANameList = true
        case .requestedUnverified, .requiredUnverified:
            // Asked for, and accepted by the transport's verification callback without a check.
            configuration.certificateVerification = tls.clientAuthentication.requiresCertificate
                ? .noHostnameVerification : .optionalVerification
            configuration.trustRoots = .certificates([])
        }
        do {
            return (try NIOSSLContext(configuration: configuration), chain[0])
        } catch {
            throw MetricsServerTLSError(file: tls.privateKeyFile, reason: "\(error)")
        }
    }

    /// Logs, once per certificate, a served certificate outside its validity period: served all
    /// the same (it may be the only one there is, as when a rotation failed), but clients that
    /// verify it refuse it. Checked at load and as connections arrive, so a certificate that
    /// expires while served is noticed at the next connection.
    private static func logIfInvalid(_ current: inout Current, file: String, logger: Logger) {
        guard !current.loggedInvalid else { return }
        let now = time(nil)
        let certificate = current.certificate
        let problem: String
        if certificate.notValidAfter < now {
            problem = "metrics server TLS certificate has expired; clients that verify it refuse it"
        } else if certificate.notValidBefore > now {
            problem = "metrics server TLS certificate is not valid yet; clients that verify it refuse it"
        } else {
            return
        }
        current.loggedInvalid = true
        logger.warning(
            "\(problem)",
            metadata: [
                "file": "\(file)",
                "notValidBefore": "\(Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore)))",
                "notValidAfter": "\(Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter)))",
            ])
    }

    /// The PEM certificates in the file at `path`; a file that does not load, or holds none,
    /// throws naming it.
    private static func certificates(in path: String) throws(MetricsServerTLSError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw MetricsServerTLSError(file: path, reason: "\(error)")
        }
        guard !certificates.isEmpty else { throw MetricsServerTLSError(file: path, reason: "no PEM certificate in it") }
        return certificates
    }
}
