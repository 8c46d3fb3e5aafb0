/// The username and password every request to the listener must carry, as HTTP basic
/// authentication (RFC 7617).
///
/// ```swift
/// let configuration = MetricsServerConfiguration(
///     basicAuthentication: try BasicAuthentication(
///         username: "prometheus", passwordFile: "/run/secrets/metrics-password")
/// )
/// ```
///
/// Reading the password from a file (``init(username:passwordFile:realm:)``) or the environment
/// (``init(username:passwordEnvironmentVariable:realm:)``) keeps it out of command lines, which
/// other users of the machine can list. The password is never shown: not in ``description``, not
/// in `dump`, not in a ``BasicAuthenticationError``.
public struct BasicAuthentication: Sendable {
    /// The username requests must carry.
    public let username: String
    /// The protection space the challenge names; browsers show it in their login prompt.
    public let realm: String
    /// `username:password` in UTF-8: what a request's decoded credentials must equal.
    private let credentials: [UInt8]

    /// Credentials for `username` and `password`.
    ///
    /// - Parameters:
    ///   - username: not empty, without `:` or control characters.
    ///   - password: not empty, without control characters; it may contain `:`.
    ///   - realm: without `"`, `\` or control characters. Default `metrics`.
    /// - Throws: ``BasicAuthenticationError`` naming the field that is wrong.
    public init(username: String, password: String, realm: String = "metrics") throws(BasicAuthenticationError) {
        guard !username.isEmpty else { throw .emptyUsername }
        // Bytes, not `Character`s: a colon followed by a combining mark is one `Character` that
        // is not ":", yet its first byte still ends the username on the wire.
        guard !username.utf8.contains(UInt8(ascii: ":")) else { throw .colonInUsername }
        guard !Self.containsControlCharacter(username) else { throw .controlCharacterInUsername }
        guard !password.isEmpty else { throw .emptyPassword }
        guard !Self.containsControlCharacter(password) else { throw .controlCharacterInPassword }
        guard !Self.containsControlCharacter(realm),
            !realm.utf8.contains(UInt8(ascii: "\"")), !realm.utf8.contains(UInt8(ascii: "\\"))
        else {
            throw .invalidCharacterInRealm
        }
        self.username = username
        self.realm = realm
        credentials = Array("\(username):\(password)".utf8)
    }

    /// The value of the `WWW-Authenticate` header of a `401 Unauthorized` response.
    var challenge: String {
        #"Basic realm="\#(realm)", charset="UTF-8""#
    }

    /// The username of the first of `accounts` whose credentials an `Authorization` header value
    /// carries, or `nil`. Every account is compared, whichever matches, so the time taken does
    /// not tell which did.
    static func user(among accounts: [BasicAuthentication], authorizing authorization: String?) -> String? {
        var user: String?
        for account in accounts where account.authorizes(authorization) && user == nil {
            user = account.username
        }
        return user
    }

    /// Whether an `Authorization` header value, or its absence, carries these credentials.
    ///
    /// The scheme is matched without regard to case and whitespace around the value is ignored.
    /// The decoded credentials are compared in time that depends on their lengths only, not on
    /// where they first differ, so response times do not lead an attacker to the password.
    func authorizes(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8)
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, Self.isWhitespace(bytes[start]) { start += 1 }
        while end > start, Self.isWhitespace(bytes[end - 1]) { end -= 1 }

        let scheme = "basic".utf8
        guard end - start > scheme.count else { return false }
        // Setting bit 5 lowercases an ASCII letter, and only `B` and `b` become `b`, and so on.
        for (offset, letter) in scheme.enumerated() where bytes[start + offset] | 0x20 != letter {
            return false
        }
        var tokenStart = start + scheme.count
        guard Self.isWhitespace(bytes[tokenStart]) else { return false }
        while tokenStart < end, Self.isWhitespace(bytes[tokenStart]) { tokenStart += 1 }

        guard let decoded = Base64.decode(bytes[tokenStart..<end]) else { return false }
        return Self.constantTimeEquals(decoded, credentials)
    }

    /// Whether `given` equals `expected`, reading every byte of the longer of the two whatever
    /// they hold, so the time taken does not tell how much of a guess was right.
    private static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        // A length mismatch starts the difference off nonzero rather than returning early.
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in 0..<max(given.count, expected.count) {
            let left = index < given.count ? given[index] : 0
            let right = index < expected.count ? expected[index] : 0
            difference |= UInt(left ^ right)
        }
        return difference == 0
    }

    /// Whether `byte` is a space or a horizontal tab, the whitespace HTTP allows around values.
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Whether `text` contains a C0 or C1 control character or DEL.
    private static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

extension BasicAuthentication: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The username and realm, with the password redacted:
    /// `BasicAuthentication(username: "prom", realm: "metrics", password: <redacted>)`.
    public var description: String {
        // `String(reflecting:)` quotes and escapes, so an odd username cannot fake the layout.
        let quotedUsername = String(reflecting: username)
        let quotedRealm = String(reflecting: realm)
        return "BasicAuthentication(username: \(quotedUsername), realm: \(quotedRealm), password: <redacted>)"
    }

    /// The same as ``description``: the password is not shown when debugging either.
    public var debugDescription: String {
        description
    }

    /// A mirror without the credentials, so that `dump` and debuggers do not show the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "realm": realm, "password": "<redacted>"])
    }
}
