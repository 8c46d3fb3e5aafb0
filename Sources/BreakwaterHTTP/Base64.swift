/// Decoding of base64 text (RFC 4648, standard alphabet), for the credentials of
/// `Authorization: Basic`.
enum Base64 {
    /// The bytes `text` encodes, or `nil` when it is not base64.
    ///
    /// Padding may be present or left out, as clients differ; when present it must complete the
    /// last group of four. Whitespace and the URL-safe alphabet are not accepted.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var characters = Array(text)
        var padding = 0
        while padding < 2, characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            padding += 1
        }
        if padding > 0, (characters.count + padding) % 4 != 0 { return nil }
        // One character left over carries only 6 bits: not even one byte.
        if characters.count % 4 == 1 { return nil }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bitCount = 0
        for character in characters {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> bitCount))
                accumulator &= (1 << bitCount) - 1
            }
        }
        // The bits left over in a short final group are zero in canonical base64; nonzero ones are
        // tolerated, as RFC 4648 allows, since they cannot change the decoded bytes.
        return bytes
    }

    /// The 6-bit value of one base64 character, or `nil` for any other byte (`=` included).
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
