#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Passwords read from a file or from the environment, so that none sits in a command line.
extension BasicAuthentication {
    /// The largest password file read; a bigger one is surely the wrong file.
    static let maximumPasswordFileSize = 65_536

    /// Credentials for `username` with the password the file at `path` holds.
    ///
    /// The file holds the password alone; trailing line breaks (`\n`, `\r\n`) are removed, so
    /// the file may be written by `echo` or an editor. Secrets mounted by Kubernetes or Docker are
    /// such files.
    ///
    /// - Throws: ``BasicAuthenticationError/unreadablePasswordFile(path:reason:)`` when the file
    ///   cannot be read, is larger than 64 KiB or is not UTF-8,
    ///   ``BasicAuthenticationError/emptyPasswordFile(path:)`` when it is empty, and otherwise the
    ///   errors of ``init(username:password:realm:)``.
    public init(
        username: String,
        passwordFile path: String,
        realm: String = "metrics"
    ) throws(BasicAuthenticationError) {
        var bytes = try Self.readPasswordFile(at: path)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            bytes.removeLast()
        }
        guard !bytes.isEmpty else { throw .emptyPasswordFile(path: path) }
        guard let password = String(validating: bytes, as: UTF8.self) else {
            throw .unreadablePasswordFile(path: path, reason: "it is not UTF-8 text")
        }
        try self.init(username: username, password: password, realm: realm)
    }

    /// Credentials for `username` with the password the environment variable `name` holds.
    ///
    /// - Throws: ``BasicAuthenticationError/missingPasswordEnvironmentVariable(name:)`` when the
    ///   variable is unset or empty, and otherwise the errors of ``init(username:password:realm:)``.
    public init(
        username: String,
        passwordEnvironmentVariable name: String,
        realm: String = "metrics"
    ) throws(BasicAuthenticationError) {
        guard let value = getenv(name), value.pointee != 0 else {
            throw .missingPasswordEnvironmentVariable(name: name)
        }
        try self.init(username: username, password: String(cString: value), realm: realm)
    }

    /// The bytes of the file at `path`, read with the C library as this module avoids Foundation.
    private static func readPasswordFile(at path: String) throws(BasicAuthenticationError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .unreadablePasswordFile(path: path, reason: systemErrorDescription(errno))
        }
        defer { close(descriptor) }

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .unreadablePasswordFile(path: path, reason: systemErrorDescription(code))
            }
            bytes += buffer[..<count]
            // A device such as /dev/zero never ends; stop rather than fill memory.
            guard bytes.count <= maximumPasswordFileSize else {
                throw .unreadablePasswordFile(path: path, reason: "it is larger than \(maximumPasswordFileSize) bytes")
            }
        }
    }

    /// The C library's text for the error number `code`, such as `No such file or directory`.
    private static func systemErrorDescription(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}
