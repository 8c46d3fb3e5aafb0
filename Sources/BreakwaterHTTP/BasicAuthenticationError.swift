/// Why ``BasicAuthentication`` could not be created.
///
/// The description names the field and what is wrong with it, never the password itself.
public enum BasicAuthenticationError: Error, Hashable, CustomStringConvertible {
    /// The username is empty.
    case emptyUsername
    /// The username contains `:`, which separates it from the password in the credentials.
    case colonInUsername
    /// The username contains a control character, which RFC 7617 forbids.
    case controlCharacterInUsername
    /// The password is empty.
    case emptyPassword
    /// The password contains a control character, which RFC 7617 forbids.
    case controlCharacterInPassword
    /// The realm contains `"`, `\` or a control character, which cannot appear in the
    /// `WWW-Authenticate` challenge as it is written.
    case invalidCharacterInRealm
    /// The password file at `path` could not be read, for `reason`.
    case unreadablePasswordFile(path: String, reason: String)
    /// The password file at `path` holds nothing but, perhaps, a line break.
    case emptyPasswordFile(path: String)
    /// The environment variable `name`, which should hold the password, is unset or empty.
    case missingPasswordEnvironmentVariable(name: String)

    public var description: String {
        switch self {
        case .emptyUsername:
            "basic authentication username is empty; it needs at least one character"
        case .colonInUsername:
            "basic authentication username contains ':', which must separate it from the password"
        case .controlCharacterInUsername:
            "basic authentication username contains a control character; RFC 7617 forbids them"
        case .emptyPassword:
            "basic authentication password is empty; it needs at least one character"
        case .controlCharacterInPassword:
            "basic authentication password contains a control character; RFC 7617 forbids them"
        case .invalidCharacterInRealm:
            #"basic authentication realm contains '"', '\' or a control character; none are allowed"#
        case .unreadablePasswordFile(let path, let reason):
            "basic authentication password file '\(path)' cannot be read: \(reason)"
        case .emptyPasswordFile(let path):
            "basic authentication password file '\(path)' is empty; it must hold the password"
        case .missingPasswordEnvironmentVariable(let name):
            "environment variable \(name), which must hold the basic authentication password, is unset or empty"
        }
    }
}
