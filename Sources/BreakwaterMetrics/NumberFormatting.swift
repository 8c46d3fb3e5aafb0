// Numbers as exposition text, appended to a byte buffer without allocating.
//
// A scrape renders every sample of every family, so the encoders write numbers straight into a
// `[UInt8]` that already has its capacity. Building a `String` per number would allocate (any
// string longer than 15 bytes does, and `"\(double)"` goes through one), and Swift's own spelling
// (`inf`, `nan`, `1000000.0`) is not what Prometheus parsers and client_golang users expect.

extension Array where Element == UInt8 {
    /// Appends `value` exactly as Go's `strconv.FormatFloat(value, 'g', -1, 64)` writes it.
    ///
    /// This is the spelling of Prometheus text format 0.0.4 and of client_golang, so a breaker's
    /// series read the same as any Go exporter's: the shortest digits that round-trip, in
    /// exponent form when the decimal exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`,
    /// `1e+100`), plain otherwise (`999999`, `0.0001`, `123.456`), with at least two exponent
    /// digits; `+Inf`, `-Inf`, `NaN` for the non-finite values, and `-0` for negative zero.
    ///
    /// Allocates nothing when the array has room for the digits (at most 24 bytes).
    mutating func appendGoFloat(_ value: Double) {
        appendFloat(value, alwaysMarkedAsFloat: false)
    }

    /// Appends `value` as an OpenMetrics canonical number, the form OpenMetrics requires for the
    /// `le` and `quantile` label values.
    ///
    /// It is Go's spelling (see ``appendGoFloat(_:)``) with `.0` added when that spelling would
    /// read as an integer, because a canonical float always has a `.` or an exponent:
    /// `0.0`, `0.5`, `1.0`, `10.0`, `1e+06`, `+Inf`. Two buckets with the same bound then have the
    /// same label value whichever client wrote them.
    ///
    /// Allocates nothing when the array has room for the digits (at most 24 bytes).
    mutating func appendCanonicalFloat(_ value: Double) {
        appendFloat(value, alwaysMarkedAsFloat: true)
    }

    /// Appends `value` in decimal, without allocating when the array has room for its digits.
    mutating func appendDecimal(_ value: UInt64) {
        appendDigits(of: value, width: Self.decimalDigitCount(of: value))
    }

    /// Appends `value` in decimal, with a leading `-` when it is negative, without allocating when
    /// the array has room for its digits.
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
        }
        // The magnitude, not the negation: `-Int64.min` does not fit in an `Int64`.
        appendDecimal(value.magnitude)
    }

    private mutating func appendFloat(_ value: Double, alwaysMarkedAsFloat: Bool) {
        if value.isNaN {
            // Every NaN, whatever its sign or payload, as Go spells it.
            appendASCII("NaN")
            return
        }
        if value.isInfinite {
            appendASCII(value < 0 ? "-Inf" : "+Inf")
            return
        }
        if value == 0 {
            // Go keeps the sign of a negative zero, and so do we.
            if value.sign == .minus {
                append(UInt8(ascii: "-"))
            }
            append(UInt8(ascii: "0"))
            if alwaysMarkedAsFloat {
                appendASCII(".0")
            }
            return
        }
        var decimal = ShortestDecimal()
        value.write(to: &decimal)
        appendGoSpelling(of: decimal, alwaysMarkedAsFloat: alwaysMarkedAsFloat)
    }

    /// Go's `%e` / `%f` choice for the shortest format (`strconv/ftoa.go`): with the shortest digits
    /// the precision used for the choice is always 6, whatever the number of digits.
    private mutating func appendGoSpelling(of decimal: ShortestDecimal, alwaysMarkedAsFloat: Bool) {
        let digitCount = decimal.digitCount
        let pointPosition = decimal.pointPosition
        let significand = decimal.significand
        let exponent = pointPosition - 1
        if decimal.isNegative {
            append(UInt8(ascii: "-"))
        }
        if exponent < -4 || exponent >= 6 {
            // d[.ddd]e±XX
            let fractionDigits = digitCount - 1
            let scale = Self.powerOfTen(fractionDigits)
            appendDigits(of: significand / scale, width: 1)
            if fractionDigits > 0 {
                append(UInt8(ascii: "."))
                appendDigits(of: significand % scale, width: fractionDigits)
            }
            append(UInt8(ascii: "e"))
            append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let exponentMagnitude = UInt64(exponent.magnitude)
            appendDigits(of: exponentMagnitude, width: Swift.max(2, Self.decimalDigitCount(of: exponentMagnitude)))
        } else if pointPosition <= 0 {
            // 0.000ddd: the exponent test above leaves at most three zeros after the point.
            appendASCII("0.")
            appendDigits(of: 0, width: -pointPosition)
            appendDigits(of: significand, width: digitCount)
        } else if pointPosition >= digitCount {
            // ddd000: an integer, with zeros for the digits the shortest form left out.
            appendDigits(of: significand, width: digitCount)
            appendDigits(of: 0, width: pointPosition - digitCount)
            if alwaysMarkedAsFloat {
                appendASCII(".0")
            }
        } else {
            // ddd.ddd
            let fractionDigits = digitCount - pointPosition
            let scale = Self.powerOfTen(fractionDigits)
            appendDigits(of: significand / scale, width: pointPosition)
            append(UInt8(ascii: "."))
            appendDigits(of: significand % scale, width: fractionDigits)
        }
    }

    /// Appends `value` as exactly `width` decimal digits, zero-padded on the left.
    ///
    /// The digits come out least significant first, so they are written over zeros appended
    /// beforehand instead of into a temporary buffer: nothing but the array itself is touched.
    /// Byte by byte rather than `append(contentsOf:)`, whose unspecialized form in debug builds
    /// allocates. Two digits per division halve the chain of dependent divisions that dominates
    /// the time for long numbers.
    private mutating func appendDigits(of value: UInt64, width: Int) {
        assert(width >= 0 && (width >= 20 || value < Self.powerOfTen(width)), "\(value) has more than \(width) digits")
        let end = count + width
        for _ in 0..<width {
            append(UInt8(ascii: "0"))
        }
        withUnsafeMutableBufferPointer { bytes in
            var remaining = value
            var index = end
            while remaining >= 10 {
                // Splitting the pair is off the critical path; only `remaining /= 100` is on it.
                let pair = UInt8(truncatingIfNeeded: remaining % 100)
                remaining /= 100
                index -= 2
                bytes[index] = UInt8(ascii: "0") &+ pair / 10
                bytes[index + 1] = UInt8(ascii: "0") &+ pair % 10
            }
            if remaining != 0 {
                index -= 1
                bytes[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining)
            }
        }
    }

    /// Appends the bytes of an ASCII literal, one by one for the reason given in
    /// ``appendDigits(of:width:)``.
    private mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { bytes in
            for byte in bytes {
                append(byte)
            }
        }
    }

    /// Counted by comparisons with growing powers of ten, which do not wait on one another the way
    /// repeated divisions do.
    private static func decimalDigitCount(of value: UInt64) -> Int {
        var count = 1
        var threshold: UInt64 = 10
        while value >= threshold {
            count += 1
            if count == 20 {
                // 10^20 does not fit in a UInt64, and no UInt64 has more digits.
                break
            }
            threshold &*= 10
        }
        return count
    }

    /// 10^`exponent`, for the 0...19 that fit in a `UInt64`.
    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var power: UInt64 = 1
        for _ in 0..<exponent {
            power *= 10
        }
        return power
    }
}

/// The shortest decimal that reads back as a given `Double`: `significand` × 10^(`pointPosition` -
/// `digitCount`), the way Go's `strconv` describes it (`0.ddd` × 10^`pointPosition`).
///
/// Finding the shortest round-trip digits is the hard part of printing a float, and the standard
/// library already does it without allocating: `Double.write(to:)` renders into a buffer on the
/// stack and hands it to the stream's `_writeASCII(_:)`. The default implementation of that
/// requirement makes a `String` out of the bytes; implementing it here takes the bytes as they
/// are, so this type reads Swift's spelling (`1e-05`, `1000000.0`, `0.0025`, `-1.5`) and keeps
/// only the digits and where the decimal point goes, for Go's spelling to be written from.
///
/// Only finite, non-zero values are written to it: Swift's spellings of the others (`inf`,
/// `nan(0x1)`, `0.0`) are handled before it is asked.
private struct ShortestDecimal: TextOutputStream {
    /// The significant digits, without leading or trailing zeros; at most 17 for a `Double`.
    private(set) var significand: UInt64 = 0
    /// How many digits `significand` has; 0 until the first non-zero digit.
    private(set) var digitCount = 0
    /// Whether Swift wrote a `-`.
    private(set) var isNegative = false

    /// Where the decimal point goes, counted in digits from the left of the first significant one:
    /// 3 for 123.4, 0 for 0.5, -2 for 0.0025, 7 for 1e+06.
    var pointPosition: Int {
        pointPositionBeforeExponent + (exponentIsNegative ? -exponent : exponent)
    }

    private var pointPositionBeforeExponent = 0
    private var trailingZeros = 0
    private var part = Part.integer
    private var exponent = 0
    private var exponentIsNegative = false

    private enum Part {
        case integer, fraction, exponent
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        for byte in buffer {
            read(byte)
        }
    }

    /// The requirement every stream must have; `Double.write(to:)` calls `_writeASCII(_:)` instead,
    /// but should it ever call this one the result is the same, only slower.
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _writeASCII($0) }
    }

    private mutating func read(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "-") where part == .exponent:
            exponentIsNegative = true
        case UInt8(ascii: "-"):
            isNegative = true
        case UInt8(ascii: "+"):
            break
        case UInt8(ascii: "."):
            part = .fraction
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            part = .exponent
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            let digit = UInt64(byte &- UInt8(ascii: "0"))
            switch part {
            case .exponent:
                exponent = exponent * 10 + Int(digit)
            case .integer, .fraction:
                readSignificandDigit(digit)
            }
        default:
            preconditionFailure("unexpected byte \(byte) in the standard library's spelling of a Double")
        }
    }

    private mutating func readSignificandDigit(_ digit: UInt64) {
        if digitCount == 0 && digit == 0 {
            // A leading zero: before the point it means nothing, after it the point moves left.
            if part == .fraction {
                pointPositionBeforeExponent -= 1
            }
            return
        }
        if part == .integer {
            pointPositionBeforeExponent += 1
        }
        if digit == 0 {
            // Held back until a non-zero digit follows, so `1000000.0` keeps a single digit.
            trailingZeros += 1
            return
        }
        precondition(digitCount + trailingZeros < 19, "more significant digits than a Double has")
        for _ in 0..<trailingZeros {
            significand *= 10
        }
        significand = significand * 10 + digit
        digitCount += trailingZeros + 1
        trailingZeros = 0
    }
}
