import BreakwaterTestSupport
import Foundation

/// Certificates made fresh for a test by the `openssl` command: a certificate authority, server
/// certificates for 127.0.0.1 signed by it, and client certificates, in a directory of their own.
struct CertificateAuthority {
    /// Where the files are; removed by ``remove()``.
    let directory: URL
    /// The authority's name, which its files start with.
    let name: String

    /// A new authority named `name`, in a new temporary directory or beside `sibling`'s files.
    init(name: String = "ca", beside sibling: CertificateAuthority? = nil) async throws {
        directory = sibling?.directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("breakwater-tls-\(UUID().uuidString)")
        self.name = name
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).crt"), "-days", "2", "-subj", "/CN=Breakwater test \(name)",
        ])
    }

    /// The path of `file` in the directory.
    func path(_ file: String) -> String {
        directory.appendingPathComponent(file).path
    }

    /// The authority's certificate, for clients to trust and servers to verify clients with.
    var certificateFile: String { path("\(name).crt") }

    /// Issues a certificate named `file` (`file.crt` and `file.key`): for a server at 127.0.0.1
    /// and localhost, or for a client; valid for `days` from now, expired for -1.
    @discardableResult
    func issue(_ file: String, forClient: Bool = false, days: Int = 2) async throws -> (certificate: String, key: String) {
        let extensions = path("\(file).ext")
        try (forClient ? "extendedKeyUsage=clientAuth\n" : "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try await openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(file).key"), "-out", path("\(file).csr"), "-subj", "/CN=\(forClient ? "prometheus" : "localhost")",
        ])
        try await openssl([
            "x509", "-req", "-in", path("\(file).csr"), "-CA", certificateFile, "-CAkey", path("\(name).key"),
            "-CAcreateserial", "-out", path("\(file).crt"), "-days", String(days), "-extfile", extensions,
        ])
        return (path("\(file).crt"), path("\(file).key"))
    }

    /// The serial number of the certificate in `file`, as `openssl x509 -serial` prints it.
    func serial(of file: String) async throws -> String {
        try await openssl(["x509", "-noout", "-serial", "-in", file]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Removes every file.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    private func openssl(_ arguments: [String]) async throws -> String {
        let run = try await runExternalTool(URL(fileURLWithPath: "/usr/bin/openssl"), arguments: arguments, input: [], mergeOutput: true)
        let output = String(decoding: run.standardOutput, as: UTF8.self)
        guard run.exitCode == 0 else {
            throw ExternalToolError.toolMissing("openssl \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }
}

/// What `curl` made of a request: its exit code (0 for a response, 35 and others for a failed
/// handshake), the HTTP status (0 without a response) and what it printed.
struct CurlResult {
    var exitCode: Int32
    var status: Int
    var output: String
}

/// Runs `curl` with `arguments` and the URL, writing the status after the body.
func curl(_ arguments: [String], _ url: String) async throws -> CurlResult {
    let run = try await runExternalTool(
        URL(fileURLWithPath: "/usr/bin/curl"),
        arguments: ["--silent", "--show-error", "--max-time", "30", "--write-out", "\n%{http_code}"] + arguments + [url],
        input: [], mergeOutput: true)
    let output = String(decoding: run.standardOutput, as: UTF8.self)
    let status = Int(output.split(separator: "\n").last ?? "") ?? 0
    return CurlResult(exitCode: run.exitCode, status: status, output: output)
}
