/// Escaping for the text formats: what each format requires, appended as bytes.
extension Array where Element == UInt8 {
    /// Appends a label value: backslash, double quote and line feed escaped, as both formats want.
    mutating func appendEscapedLabelValue(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\""): append(UInt8(ascii: "\\")); append(UInt8(ascii: "\""))
            case UInt8(ascii: "\n"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "n"))
            default: append(byte)
            }
        }
    }

    /// Appends help text: text format 0.0.4 escapes only backslash and line feed (an escaped
    /// quote would show as `\"`), OpenMetrics escapes the double quote too.
    mutating func appendEscapedHelp(_ help: String, for format: ExpositionFormat) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where format == .openMetrics: append(UInt8(ascii: "\\")); append(UInt8(ascii: "\""))
            default: append(byte)
            }
        }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends a string's UTF-8; named apart so that literals take the `StaticString` path.
    mutating func appendUTF8(_ text: String) {
        append(contentsOf: text.utf8)
    }
}
