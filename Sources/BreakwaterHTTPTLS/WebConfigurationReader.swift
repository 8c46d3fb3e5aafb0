import Foundation
import Yams

/// Reads the YAML of a web configuration file into ``MetricsServerTLS``, key by key, so that
/// every key it does not take is an error with its line.
struct WebConfigurationReader {
    let file: String
    let directory: String

    /// Keys exporter-toolkit knows and Breakwater does not implement, by the mapping they belong
    /// in, with what to do instead.
    private static let unimplemented: [String: [String: String]] = [
        "the file": [
            "basic_auth_users": "bcrypt-hashed users are not supported; give the listener BasicAuthentication in code",
            "rate_limit": "rate limiting is not supported; the listener bounds its connections and renders itself",
        ],
        "http_server_config": ["headers": "custom response headers are not supported"],
        "tls_server_config": [
            "cert": "certificates inline are not supported; use cert_file",
            "key": "keys inline are not supported; use key_file",
            "client_ca": "authorities inline are not supported; use client_ca_file",
            "cipher_suites": "the cipher suites are BoringSSL's defaults and cannot be chosen",
            "curve_preferences": "the curves are BoringSSL's defaults and cannot be chosen",
            "prefer_server_cipher_suites": "the cipher suites are BoringSSL's defaults and cannot be chosen",
            "max_version": "the newest version is always TLS 1.3",
            "client_allowed_sans": "client certificates cannot be limited by subject alternative name",
        ],
    ]

    /// The TLS the document asks for, or `nil` for none.
    mutating func tls(in yaml: String) throws(WebConfigurationError) -> MetricsServerTLS? {
        let document: Node?
        do {
            document = try Yams.compose(yaml: yaml)
        } catch {
            throw WebConfigurationError(file: file, line: nil, reason: "is not valid YAML: \(error)")
        }
        guard let document, document.null == nil else { return nil }
        let top = try members(of: document, in: "the file", keys: ["tls_server_config", "http_server_config"])
        if let http = top["http_server_config"] {
            let members = try members(of: http, in: "http_server_config", keys: ["http2"])
            if let http2 = members["http2"], http2.bool == nil {
                throw error(at: http2, "http2 must be true or false")
            }
        }
        guard let tls = top["tls_server_config"] else { return nil }
        let settings = try members(
            of: tls, in: "tls_server_config",
            keys: ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version"])
        return try self.tls(from: settings, at: tls)
    }

    /// exporter-toolkit's rules: TLS is on once any of its keys is set, and then needs both the
    /// certificate and its key.
    private func tls(from settings: [String: Node], at node: Node) throws(WebConfigurationError) -> MetricsServerTLS? {
        let certificate = try path(settings["cert_file"])
        let key = try path(settings["key_file"])
        let authority = try path(settings["client_ca_file"])
        let mode = try string(settings["client_auth_type"])
        guard certificate != nil || key != nil || authority != nil || mode != nil else { return nil }
        guard let certificate else { throw error(at: node, "tls_server_config needs cert_file") }
        guard let key else { throw error(at: node, "tls_server_config needs key_file") }
        return MetricsServerTLS(
            certificateChainFile: certificate, privateKeyFile: key,
            clientAuthentication: try clientAuthentication(mode, authority: authority, at: settings["client_auth_type"] ?? node),
            minimumVersion: try minimumVersion(settings["min_version"]))
    }

    private func clientAuthentication(
        _ mode: String?, authority: String?, at node: Node
    ) throws(WebConfigurationError) -> MetricsServerTLS.ClientAuthentication {
        switch (mode ?? "NoClientCert", authority) {
        case ("VerifyClientCertIfGiven", let authority?): return .verifyIfGiven(caFile: authority)
        case ("RequireAndVerifyClientCert", let authority?): return .required(caFile: authority)
        case ("VerifyClientCertIfGiven", nil), ("RequireAndVerifyClientCert", nil):
            throw error(at: node, "client_auth_type \(mode ?? "") needs client_ca_file, the authority that signs client certificates")
        case ("NoClientCert", nil): return .none
        case ("RequestClientCert", nil): return .requestedUnverified
        case ("RequireAnyClientCert", nil), ("RequireClientCert", nil): return .requiredUnverified
        case ("NoClientCert", _?), ("RequestClientCert", _?), ("RequireAnyClientCert", _?), ("RequireClientCert", _?):
            throw error(at: node, "client_ca_file is set but client_auth_type \(mode ?? "NoClientCert") verifies no certificate: use VerifyClientCertIfGiven or RequireAndVerifyClientCert")
        default:
            throw error(at: node, "client_auth_type \(mode ?? "") is none of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert")
        }
    }

    private func minimumVersion(_ node: Node?) throws(WebConfigurationError) -> MetricsServerTLS.Version {
        switch try string(node) {
        case nil, "TLS12": return .tls12
        case "TLS13": return .tls13
        case "TLS10", "TLS11": throw error(at: node, "min_version older than TLS12 is not offered")
        case let other?: throw error(at: node, "min_version \(other) is none of TLS12, TLS13")
        }
    }

    /// The members of the mapping `node`, which may hold only `keys`; a null node has none.
    private func members(of node: Node, in place: String, keys: Set<String>) throws(WebConfigurationError) -> [String: Node] {
        if node.null != nil { return [:] }
        guard case .mapping(let mapping) = node else { throw error(at: node, "\(place) must be a mapping of keys to values") }
        var members: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error(at: keyNode, "\(place) has a key that is not a string") }
            if let advice = Self.unimplemented[place]?[key] { throw error(at: keyNode, "\(key) in \(place): \(advice)") }
            guard keys.contains(key) else {
                throw error(at: keyNode, "unknown key \(key) in \(place); known: \(keys.sorted().joined(separator: ", "))")
            }
            guard members.updateValue(value, forKey: key) == nil else { throw error(at: keyNode, "\(key) is set twice in \(place)") }
        }
        return members
    }

    /// The string at `node`; `nil` when absent, null or empty, as exporter-toolkit takes them.
    private func string(_ node: Node?) throws(WebConfigurationError) -> String? {
        guard let node, node.null == nil else { return nil }
        guard case .scalar(let scalar) = node else { throw error(at: node, "expected a single value") }
        return scalar.string.isEmpty ? nil : scalar.string
    }

    /// The path at `node`, joined to the file's directory when relative.
    private func path(_ node: Node?) throws(WebConfigurationError) -> String? {
        guard let path = try string(node) else { return nil }
        return path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }

    private func error(at node: Node?, _ reason: String) -> WebConfigurationError {
        WebConfigurationError(file: file, line: node?.mark?.line, reason: reason)
    }
}
