import Breakwater
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
    }

    private let tls: MetricsServerTLS
    private let logger: Logger
    private let current: Guarded<Current>

    /// A source for `tls`, whose files must load now.
    init(_ tls: MetricsServerTLS, logger: Logger) throws(MetricsServerTLSError) {
        self.tls = tls
        self.logger = logger
        let stamps = tls.files.map(FileStamp.init(path:))
        current = Guarded(Current(stamps: stamps, context: try Self.makeContext(tls), failedStamps: nil))
    }

    /// The context for a connection accepted now: the last one built, or a new one when the files
    /// changed and load; when they do not, the last good one, and the failure is logged once.
    func context() -> NIOSSLContext {
        let stamps = tls.files.map(FileStamp.init(path:))
        return current.withLock { current in
            guard stamps != current.stamps, stamps != current.failedStamps else { return current.context }
            do {
                current.context = try Self.makeContext(tls)
                current.stamps = stamps
                current.failedStamps = nil
                logger.info("metrics server TLS files reloaded")
            } catch {
                current.failedStamps = stamps
                logger.error("metrics server TLS files changed but do not load; serving the previous ones: \(error)")
            }
            return current.context
        }
    }

    private static func makeContext(_ tls: MetricsServerTLS) throws(MetricsServerTLSError) -> NIOSSLContext {
        let chain = try load(tls.certificateChainFile) { try NIOSSLCertificate.fromPEMFile($0) }
        let key = try load(tls.privateKeyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = tls.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        switch tls.clientAuthentication {
        case .none:
            break
        case .verifyIfGiven(let caFile):
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .certificates(try load(caFile) { try NIOSSLCertificate.fromPEMFile($0) })
            configuration.sendCANameList = true
        case .required(let caFile):
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try load(caFile) { try NIOSSLCertificate.fromPEMFile($0) })
            configuration.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MetricsServerTLSError(file: tls.privateKeyFile, reason: "\(error)")
        }
    }

    /// What `read` makes of the file at `path`; a file that does not load, or holds nothing,
    /// throws naming it.
    private static func load<Loaded>(_ path: String, _ read: (String) throws -> Loaded) throws(MetricsServerTLSError) -> Loaded {
        let loaded: Loaded
        do {
            loaded = try read(path)
        } catch {
            throw MetricsServerTLSError(file: path, reason: "\(error)")
        }
        if let certificates = loaded as? [NIOSSLCertificate], certificates.isEmpty {
            throw MetricsServerTLSError(file: path, reason: "no PEM certificate in it")
        }
        return loaded
    }
}
