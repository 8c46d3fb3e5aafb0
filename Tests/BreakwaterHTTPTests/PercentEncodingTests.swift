import Testing

@testable import BreakwaterHTTP

@Suite struct PercentEncodingTests {
    @Test(arguments: ["payments", "a b/c%d", "<img src=x onerror=alert(1)>", "ü😀", "~-._"])
    func namesRoundTripAsOneSegment(_ name: String) {
        let encoded = PercentEncoding.encode(name)

        #expect(!encoded.contains("/"))
        #expect(encoded.utf8.allSatisfy { $0 < 0x80 })
        #expect(PercentEncoding.decode(encoded[...]) == name)
    }

    @Test func browsersEncodingDecodesToo() {
        #expect(PercentEncoding.decode("a%20b%2fc%C3%BC") == "a b/cü")
        #expect(PercentEncoding.decode("plain") == "plain")
    }

    @Test(arguments: ["%", "%2", "%zz", "%C3", "%FF"])
    func malformedEncodingsDecodeToNothing(_ segment: String) {
        #expect(PercentEncoding.decode(segment[...]) == nil)
    }
}
