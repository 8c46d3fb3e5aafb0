import BreakwaterTestSupport
import Testing

@testable import BreakwaterMetrics

/// The expected spellings are Go's own: each was printed by `strconv.FormatFloat(v, 'g', -1, 64)`
/// (the float format of Prometheus text format 0.0.4 and client_golang), and the implementation
/// was compared with Go on 16.9 million doubles before these were kept.
@Suite("Number formatting")
struct NumberFormattingTests {
    static let goSpellings: [(Double, String)] = [
        // The examples in the exposition notes.
        (1e20, "1e+20"),
        (123_456_789, "1.23456789e+08"),
        (1.5e6, "1.5e+06"),
        (1e6, "1e+06"),
        (999_999, "999999"),
        (100_000, "100000"),
        (0.0001, "0.0001"),
        (1e-5, "1e-05"),
        (0.0025, "0.0025"),
        (1.0 / 3, "0.3333333333333333"),
        (1, "1"),
        (0, "0"),
        (-1.5, "-1.5"),
        (2.5e-5, "2.5e-05"),
        (123_456.7, "123456.7"),
        // Either side of the switch to exponent form at 10^6 and 10^-4.
        (999_999.9999999999, "999999.9999999999"),
        (999_999.9, "999999.9"),
        (123_456, "123456"),
        (1_234_567, "1.234567e+06"),
        (0.00012, "0.00012"),
        (0.000012, "1.2e-05"),
        (9.999999999999999e-05, "9.999999999999999e-05"),
        (1e-7, "1e-07"),
        // Large, with a three-digit exponent, and past the 2^53 integers.
        (1e21, "1e+21"),
        (1e23, "1e+23"),
        (1e100, "1e+100"),
        (1e300, "1e+300"),
        (1e15, "1e+15"),
        (1e16, "1e+16"),
        (9_007_199_254_740_992, "9.007199254740992e+15"),
        (9_007_199_254_740_994, "9.007199254740994e+15"),
        (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        // Small: normal, the largest subnormal, the smallest ones.
        (1e-100, "1e-100"),
        (2.5e-300, "2.5e-300"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (Double.leastNormalMagnitude.nextDown, "2.225073858507201e-308"),
        (Double(bitPattern: 2), "1e-323"),
        (.leastNonzeroMagnitude, "5e-324"),
        // Everyday values: bucket bounds, sums, constants.
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (0.005, "0.005"),
        (0.025, "0.025"),
        (42.125, "42.125"),
        (12_345.678, "12345.678"),
        (100, "100"),
        (Double.pi, "3.141592653589793"),
        // Negative values.
        (-0.0025, "-0.0025"),
        (-1e6, "-1e+06"),
        (-2.718281828459045, "-2.718281828459045"),
        (-.leastNonzeroMagnitude, "-5e-324"),
    ]

    @Test("a float is spelled as Go's FormatFloat(v, 'g', -1, 64) spells it", arguments: goSpellings)
    func goSpelling(value: Double, expected: String) {
        #expect(goFloat(value) == expected)
    }

    @Test("infinities and every NaN are spelled +Inf, -Inf and NaN")
    func nonFiniteValues() {
        #expect(goFloat(.infinity) == "+Inf")
        #expect(goFloat(-.infinity) == "-Inf")
        #expect(goFloat(.nan) == "NaN")
        #expect(goFloat(-.nan) == "NaN")
        #expect(goFloat(.signalingNaN) == "NaN")
        #expect(goFloat(Double(nan: 1, signaling: false)) == "NaN")
    }

    @Test("negative zero keeps its sign, as in Go")
    func negativeZero() {
        #expect(goFloat(-0.0) == "-0")
        #expect(canonicalFloat(-0.0) == "-0.0")
    }

    @Test(
        "a canonical number always has a point or an exponent",
        arguments: [
            (0, "0.0"), (0.5, "0.5"), (1, "1.0"), (10, "10.0"), (2.5, "2.5"), (0.005, "0.005"),
            (100_000, "100000.0"), (999_999, "999999.0"), (1e6, "1e+06"), (1e-5, "1e-05"), (-3, "-3.0"),
            (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"),
        ] as [(Double, String)]
    )
    func canonicalSpelling(value: Double, expected: String) {
        #expect(canonicalFloat(value) == expected)
    }

    @Test("numbers are appended after what the buffer already holds")
    func appendsAfterExistingBytes() {
        var buffer = Array("le=\"".utf8)
        buffer.appendCanonicalFloat(0.25)
        buffer.append(UInt8(ascii: "\""))
        buffer.append(UInt8(ascii: " "))
        buffer.appendGoFloat(1e6)
        buffer.append(UInt8(ascii: " "))
        buffer.appendDecimal(UInt64(42))
        #expect(String(decoding: buffer, as: UTF8.self) == "le=\"0.25\" 1e+06 42")
    }

    @Test("the longest spelling of a double is 24 bytes")
    func longestSpelling() {
        #expect(goFloat(-2.2250738585072014e-308).utf8.count == 24)
        #expect(goFloat(-.greatestFiniteMagnitude).utf8.count == 24)
    }

    @Test(
        "unsigned integers are appended in decimal",
        arguments: [
            (0, "0"), (1, "1"), (9, "9"), (10, "10"), (99, "99"), (100, "100"), (101, "101"),
            (1_000_000, "1000000"), (9_999_999_999_999_999_999, "9999999999999999999"),
            (10_000_000_000_000_000_000, "10000000000000000000"), (UInt64.max, "18446744073709551615"),
        ] as [(UInt64, String)]
    )
    func unsignedDecimal(value: UInt64, expected: String) {
        var buffer: [UInt8] = []
        buffer.appendDecimal(value)
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
    }

    @Test(
        "signed integers are appended in decimal, negative ones with a minus sign",
        arguments: [
            (0, "0"), (1, "1"), (-1, "-1"), (-10, "-10"), (1_234_567, "1234567"),
            (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
        ] as [(Int64, String)]
    )
    func signedDecimal(value: Int64, expected: String) {
        var buffer: [UInt8] = []
        buffer.appendDecimal(value)
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
    }

    /// Go's rules, checked on random doubles without Go: the text reads back as the same double,
    /// no shorter digits would, and the form is the one Go chooses for those digits.
    @Test("random doubles are spelled with the shortest digits that read back, in Go's form")
    func randomDoubles() throws {
        var generator = SplitMix64(seed: 0x5EED_B4EA_C3A7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = goFloat(value)
            let spelling = try #require(GoSpelling(text), "\(text) is not in Go's 'g' form")
            #expect(Double(text)?.bitPattern == value.bitPattern, "\(text) does not read back as \(value)")
            #expect(spelling.usesExponentForm == (spelling.exponent < -4 || spelling.exponent >= 6), "\(text)")
            for shorter in spelling.shorterCandidates() {
                #expect(Double(shorter) != value, "\(shorter) is shorter than \(text) and reads back as \(value)")
            }
            let canonical = canonicalFloat(value)
            #expect(canonical == text || canonical == text + ".0")
            #expect(canonical.contains(".") || canonical.contains("e"))
        }
    }

    private func goFloat(_ value: Double) -> String {
        var buffer: [UInt8] = []
        buffer.appendGoFloat(value)
        return String(decoding: buffer, as: UTF8.self)
    }

    private func canonicalFloat(_ value: Double) -> String {
        var buffer: [UInt8] = []
        buffer.appendCanonicalFloat(value)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// A finite number in Go's 'g' spelling, taken apart: `[-]d[.ddd]e±XX` or `[-]ddd[.ddd]`.
private struct GoSpelling {
    /// The significant digits, without leading or trailing zeros.
    var digits: [UInt8]
    /// The power of ten of the first significant digit.
    var exponent: Int
    var isNegative: Bool
    var usesExponentForm: Bool

    /// Parses `text`, or returns `nil` if it has anything Go would not write: a `+` outside the
    /// exponent, trailing zeros after the point, a one-digit exponent, a plain form with leading zeros.
    init?(_ text: String) {
        var rest = Substring(text)
        isNegative = rest.first == "-"
        if isNegative { rest = rest.dropFirst() }
        let parts = rest.split(separator: "e", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let mantissa = parts[0]
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let integerPart = Array(pieces[0].utf8)
        let fractionPart = pieces.count == 2 ? Array(pieces[1].utf8) : []
        if pieces.count == 2 && fractionPart.last == UInt8(ascii: "0") { return nil }
        usesExponentForm = parts.count == 2
        if usesExponentForm {
            let exponentText = parts[1]
            guard integerPart.count == 1, integerPart[0] != UInt8(ascii: "0"),
                let sign = exponentText.first, sign == "+" || sign == "-",
                exponentText.count >= 3, let magnitude = Int(exponentText.dropFirst())
            else { return nil }
            digits = integerPart + fractionPart
            exponent = sign == "-" ? -magnitude : magnitude
        } else if integerPart == [UInt8(ascii: "0")] {
            let leadingZeros = fractionPart.prefix(while: { $0 == UInt8(ascii: "0") }).count
            digits = Array(fractionPart.dropFirst(leadingZeros))
            exponent = -leadingZeros - 1
        } else {
            guard integerPart[0] != UInt8(ascii: "0") else { return nil }
            digits = integerPart + fractionPart
            exponent = integerPart.count - 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        guard !digits.isEmpty else { return nil }
    }

    /// The two numbers with one digit fewer that bracket this one: if neither reads back as the
    /// same double, no shorter number does.
    func shorterCandidates() -> [String] {
        guard digits.count > 1 else { return [] }
        let truncated = UInt64(String(decoding: digits.dropLast(), as: UTF8.self))!
        let scale = exponent - (digits.count - 2)
        let sign = isNegative ? "-" : ""
        return ["\(sign)\(truncated)e\(scale)", "\(sign)\(truncated + 1)e\(scale)"]
    }
}
