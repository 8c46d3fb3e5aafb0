import Foundation
import Testing

@testable import BreakwaterHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `Authorization` header value for `username` and `password`, encoded by Foundation.
private func basicHeader(_ username: String, _ password: String, scheme: String = "Basic") -> String {
    "\(scheme) " + Data("\(username):\(password)".utf8).base64EncodedString()
}

@Suite struct BasicAuthenticationTests {
    let authentication: BasicAuthentication

    init() throws {
        authentication = try BasicAuthentication(username: "prom", password: "s3cret:with:colons")
    }

    @Test func theRightCredentialsAreAuthorized() {
        #expect(authentication.authorizes(basicHeader("prom", "s3cret:with:colons")))
    }

    @Test func aWrongPasswordIsRefused() {
        #expect(!authentication.authorizes(basicHeader("prom", "s3cret:with:colon")))
        #expect(!authentication.authorizes(basicHeader("prom", "s3cret:with:colons!")))
    }

    @Test func aWrongUsernameIsRefused() {
        #expect(!authentication.authorizes(basicHeader("prometheus", "s3cret:with:colons")))
    }

    @Test func aPasswordWithColonsIsComparedWhole() {
        // Splitting at the first colon makes "prom:s3cret" the username for this header; the
        // comparison of the whole `username:password` bytes must still refuse it.
        #expect(!authentication.authorizes(basicHeader("prom:s3cret", "with:colons!")))
        #expect(!authentication.authorizes(basicHeader("prom", "s3cret")))
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(!authentication.authorizes(nil))
    }

    @Test func anEmptyHeaderIsRefused() {
        #expect(!authentication.authorizes(""))
        #expect(!authentication.authorizes("Basic"))
        #expect(!authentication.authorizes("Basic "))
    }

    @Test func anotherSchemeIsRefused() {
        #expect(!authentication.authorizes(basicHeader("prom", "s3cret:with:colons", scheme: "Bearer")))
        #expect(!authentication.authorizes(basicHeader("prom", "s3cret:with:colons", scheme: "Basicx")))
    }

    @Test func aSchemeWithoutASpaceIsRefused() {
        let header = basicHeader("prom", "s3cret:with:colons")
        #expect(!authentication.authorizes(header.replacingOccurrences(of: "Basic ", with: "Basic")))
    }

    @Test func malformedBase64IsRefused() {
        #expect(!authentication.authorizes("Basic cHJvbTpzM2NyZXQ6d2l0aDpjb2xvbnM!"))
        #expect(!authentication.authorizes("Basic ****"))
    }

    @Test func theSchemeIsMatchedWithoutRegardToCase() {
        for scheme in ["basic", "BASIC", "bAsIc"] {
            #expect(authentication.authorizes(basicHeader("prom", "s3cret:with:colons", scheme: scheme)))
        }
    }

    @Test func whitespaceAroundTheValueIsTolerated() {
        let token = Data("prom:s3cret:with:colons".utf8).base64EncodedString()
        #expect(authentication.authorizes("  Basic \t \(token) \t"))
    }

    @Test func credentialsWithoutPaddingAreAccepted() throws {
        let short = try BasicAuthentication(username: "ab", password: "c")
        #expect(short.authorizes("Basic YWI6Yw=="))
        #expect(short.authorizes("Basic YWI6Yw"))
    }

    @Test func nonASCIICredentialsCompareAsUTF8() throws {
        let unicode = try BasicAuthentication(username: "zoë", password: "pässwörd😀")
        #expect(unicode.authorizes(basicHeader("zoë", "pässwörd😀")))
    }

    @Test func theChallengeNamesTheRealmAndCharset() throws {
        #expect(authentication.challenge == #"Basic realm="metrics", charset="UTF-8""#)
        #expect(try BasicAuthentication(username: "a", password: "b", realm: "ops").challenge
            == #"Basic realm="ops", charset="UTF-8""#)
    }

    @Test func theDescriptionRedactsThePassword() {
        let texts = [
            String(describing: authentication), String(reflecting: authentication), "\(authentication)",
            { var dumped = ""; dump(authentication, to: &dumped); return dumped }(),
        ]
        for text in texts {
            #expect(!text.contains("s3cret"))
            #expect(text.contains("prom"))
        }
        #expect(authentication.description
            == #"BasicAuthentication(username: "prom", realm: "metrics", password: <redacted>)"#)
    }
}

@Suite struct BasicAuthenticationValidationTests {
    @Test func anEmptyUsernameIsRejected() {
        #expect(throws: BasicAuthenticationError.emptyUsername) {
            try BasicAuthentication(username: "", password: "p")
        }
    }

    @Test(arguments: ["a:b", ":", "a:\u{301}b"])
    func aUsernameWithAColonIsRejected(_ username: String) {
        #expect(throws: BasicAuthenticationError.colonInUsername) {
            try BasicAuthentication(username: username, password: "p")
        }
    }

    @Test(arguments: ["a\nb", "a\u{0}", "\u{7F}", "a\u{85}"])
    func aUsernameWithAControlCharacterIsRejected(_ username: String) {
        #expect(throws: BasicAuthenticationError.controlCharacterInUsername) {
            try BasicAuthentication(username: username, password: "p")
        }
    }

    @Test func anEmptyPasswordIsRejected() {
        #expect(throws: BasicAuthenticationError.emptyPassword) {
            try BasicAuthentication(username: "u", password: "")
        }
    }

    @Test func aPasswordWithAControlCharacterIsRejected() {
        #expect(throws: BasicAuthenticationError.controlCharacterInPassword) {
            try BasicAuthentication(username: "u", password: "line\nbreak")
        }
    }

    @Test(arguments: ["say \"hi\"", #"back\slash"#, "tab\there", "\"\u{301}"])
    func aRealmThatCannotBeQuotedIsRejected(_ realm: String) {
        #expect(throws: BasicAuthenticationError.invalidCharacterInRealm) {
            try BasicAuthentication(username: "u", password: "p", realm: realm)
        }
    }

    @Test func errorsNameTheFieldButNeverThePassword() {
        let password = "hunter2\n"
        do {
            _ = try BasicAuthentication(username: "u", password: password)
            Issue.record("a password with a line break was accepted")
        } catch {
            #expect(error.description.contains("password"))
            #expect(!error.description.contains("hunter2"))
        }
        #expect(BasicAuthenticationError.emptyUsername.description.contains("username"))
        #expect(BasicAuthenticationError.colonInUsername.description.contains("username"))
        #expect(BasicAuthenticationError.invalidCharacterInRealm.description.contains("realm"))
    }
}

@Suite struct BasicAuthenticationPasswordSourceTests {
    /// Writes `contents` to a new file in the temporary directory and returns its path.
    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("breakwater-password-\(UUID().uuidString)").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func thePasswordIsReadFromAFileWithoutItsTrailingLineBreak() throws {
        let path = try temporaryFile("from-file:pw\r\n")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let authentication = try BasicAuthentication(username: "prom", passwordFile: path)

        #expect(authentication.authorizes(basicHeader("prom", "from-file:pw")))
        #expect(!authentication.authorizes(basicHeader("prom", "from-file:pw\r\n")))
    }

    @Test func spacesInThePasswordFileAreKept() throws {
        let path = try temporaryFile(" padded \n")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let authentication = try BasicAuthentication(username: "prom", passwordFile: path)

        #expect(authentication.authorizes(basicHeader("prom", " padded ")))
    }

    @Test func anUnreadablePasswordFileIsAnErrorNamingThePath() throws {
        let path = "/nonexistent/breakwater-\(UUID().uuidString)"

        let error = #expect(throws: BasicAuthenticationError.self) {
            try BasicAuthentication(username: "prom", passwordFile: path)
        }

        guard case .unreadablePasswordFile(let reported, _) = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(reported == path)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test func aDirectoryIsNotAPasswordFile() throws {
        let path = FileManager.default.temporaryDirectory.path
        #expect {
            try BasicAuthentication(username: "prom", passwordFile: path)
        } throws: { error in
            guard case .unreadablePasswordFile(path, _) = error as? BasicAuthenticationError else { return false }
            return true
        }
    }

    @Test func aPasswordFileWithOnlyALineBreakIsEmpty() throws {
        let path = try temporaryFile("\n")
        defer { try? FileManager.default.removeItem(atPath: path) }

        #expect(throws: BasicAuthenticationError.emptyPasswordFile(path: path)) {
            try BasicAuthentication(username: "prom", passwordFile: path)
        }
    }

    @Test func thePasswordIsReadFromTheEnvironment() throws {
        let name = "BREAKWATER_TEST_PASSWORD_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        setenv(name, "from-env", 1)
        defer { unsetenv(name) }

        let authentication = try BasicAuthentication(username: "prom", passwordEnvironmentVariable: name)

        #expect(authentication.authorizes(basicHeader("prom", "from-env")))
    }

    @Test func anUnsetOrEmptyEnvironmentVariableIsAnErrorNamingIt() throws {
        let name = "BREAKWATER_TEST_PASSWORD_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        #expect(throws: BasicAuthenticationError.missingPasswordEnvironmentVariable(name: name)) {
            try BasicAuthentication(username: "prom", passwordEnvironmentVariable: name)
        }

        setenv(name, "", 1)
        defer { unsetenv(name) }
        #expect(throws: BasicAuthenticationError.missingPasswordEnvironmentVariable(name: name)) {
            try BasicAuthentication(username: "prom", passwordEnvironmentVariable: name)
        }
        #expect(BasicAuthenticationError.missingPasswordEnvironmentVariable(name: name).description.contains(name))
    }
}

@Suite struct Base64Tests {
    /// `text` decoded, as a string, or `nil` when it is not base64.
    func decoded(_ text: String) -> String? {
        Base64.decode(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [
        ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"), ("Zm9vYmFy", "foobar"),
    ])
    func theRFC4648TestVectorsDecode(_ encoded: String, _ plain: String) {
        #expect(decoded(encoded) == plain)
    }

    @Test func paddingMayBeLeftOut() {
        #expect(decoded("Zg") == "f")
        #expect(decoded("Zm8") == "fo")
    }

    @Test func theWholeAlphabetDecodes() {
        #expect(Base64.decode(Array("+/+/".utf8)) == [0xFB, 0xFF, 0xBF])
    }

    @Test(arguments: ["Zg=", "Zg===", "Z===", "Zm9v=", "Z", "Zm9vY", "Zm=v", "Zm9v\n", "Zm9_", "Zm9-", "Zm 9v"])
    func invalidTextIsRejected(_ text: String) {
        #expect(decoded(text) == nil)
    }

    @Test func everyByteValueRoundTripsThroughFoundationsEncoder() {
        let bytes = (0...255).map { UInt8($0) }
        for length in 0...bytes.count {
            let encoded = Data(bytes.prefix(length)).base64EncodedString()
            #expect(Base64.decode(Array(encoded.utf8)) == Array(bytes.prefix(length)))
        }
    }
}
