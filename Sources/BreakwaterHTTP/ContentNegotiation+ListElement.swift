// The tolerant parser behind ContentNegotiation: RFC 9110's list, parameter and weight
// grammar, over UTF-8 bytes so that no input, however long or strange, can make it fail.

extension ContentNegotiation {
    /// One element of a comma-separated header field: a media range or a content coding, its
    /// parameters and its weight, as in `text/plain; version=0.0.4; q=0.5` or `gzip;q=0`.
    struct ListElement {
        /// The weight of an element without `q`, in thousandths: `q=1`.
        static let fullWeight = 1000

        /// The media range (`type/subtype`) or coding, lowercased.
        let value: String
        /// The parameters other than `q`, in order: names lowercased, values unquoted and
        /// lowercased (the values this module compares, such as versions, have no case).
        let parameters: [(name: String, value: String)]
        /// The weight in thousandths, 0...1000; ``fullWeight`` when the element has no `q`.
        let weight: Int

        /// The value of the first parameter called `name` (lowercase), or `nil`.
        func parameter(_ name: String) -> String? {
            parameters.first { $0.name == name }?.value
        }

        /// Every element of every value of a header field, in order, skipping elements that
        /// are empty or malformed.
        static func parse(_ fieldValues: [String]) -> [ListElement] {
            fieldValues.flatMap { fieldValue in
                split(fieldValue[...], at: UInt8(ascii: ",")).compactMap(ListElement.init(parsing:))
            }
        }

        /// The element `text` spells, or `nil` when it is empty or breaks the grammar: a value
        /// that is not a token or `token/token`, a parameter without `=`, a parameter value
        /// that is neither a token nor a closed quoted string, or a `q` that is malformed,
        /// out of range or repeated.
        private init?(parsing text: Substring) {
            let pieces = Self.split(text, at: UInt8(ascii: ";"))
            let value = Self.trimmed(pieces[0])
            guard Self.isTokenOrMediaRange(value) else { return nil }

            var parameters: [(name: String, value: String)] = []
            var weight: Int?
            for piece in pieces.dropFirst() {
                let piece = Self.trimmed(piece)
                // RFC 9110 allows empty parameters, as in `text/plain;;q=0.5`.
                if piece.isEmpty { continue }
                guard let equals = piece.utf8.firstIndex(of: UInt8(ascii: "=")) else { return nil }
                let name = Self.trimmed(piece[..<equals])
                let rawValue = Self.trimmed(piece[piece.utf8.index(after: equals)...])
                guard Self.isToken(name) else { return nil }
                if name.lowercased() == "q" {
                    guard weight == nil, let parsed = Self.weight(rawValue) else { return nil }
                    weight = parsed
                } else {
                    guard let parameterValue = Self.unquoted(rawValue) else { return nil }
                    parameters.append((name.lowercased(), parameterValue.lowercased()))
                }
            }
            self.value = value.lowercased()
            self.parameters = parameters
            self.weight = weight ?? Self.fullWeight
        }
    }
}

extension ContentNegotiation.ListElement {
    /// `text` cut at every `separator` that is not inside a quoted string, so that
    /// `a;b="x,y",c` splits at the last comma only. Always at least one piece.
    private static func split(_ text: Substring, at separator: UInt8) -> [Substring] {
        var pieces: [Substring] = []
        var pieceStart = text.startIndex
        var inQuotes = false
        var escaped = false
        for index in text.utf8.indices {
            let byte = text.utf8[index]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == separator {
                pieces.append(text[pieceStart..<index])
                pieceStart = text.utf8.index(after: index)
            }
        }
        pieces.append(text[pieceStart...])
        return pieces
    }

    /// `text` without the spaces and tabs (RFC 9110's optional whitespace) around it.
    static func trimmed(_ text: Substring) -> Substring {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = text.startIndex
        var end = text.endIndex
        while start < end, isWhitespace(text.utf8[start]) {
            start = text.utf8.index(after: start)
        }
        while start < end {
            let last = text.utf8.index(before: end)
            guard isWhitespace(text.utf8[last]) else { break }
            end = last
        }
        return text[start..<end]
    }

    /// Whether `text` is a non-empty run of RFC 9110 token characters.
    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenCharacter)
    }

    /// Whether `text` is a token (a coding) or two tokens joined by `/` (a media range).
    private static func isTokenOrMediaRange(_ text: Substring) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isTokenCharacter) }
    }

    /// RFC 9110's `tchar`: letters, digits and ``!#$%&'*+-.^_`|~``.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// A parameter value: a token as it is, or a quoted string without its quotes and
    /// backslash escapes; `nil` for anything else, such as an unclosed quote.
    private static func unquoted(_ text: Substring) -> String? {
        guard text.utf8.first == UInt8(ascii: "\"") else { return isToken(text) ? String(text) : nil }
        var content: [UInt8] = []
        var escaped = false
        var closed = false
        for byte in text.utf8.dropFirst() {
            if closed { return nil }  // Something after the closing quote.
            if escaped {
                content.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                closed = true
            } else {
                content.append(byte)
            }
        }
        return closed ? String(decoding: content, as: UTF8.self) : nil
    }

    /// An RFC 9110 `qvalue` in thousandths: `0`, `0.`, `0.5`, `0.125`, `1`, `1.000`; `nil` for
    /// anything else, including `1.5`, `.5`, `0.1234` and a quoted value.
    private static func weight(_ text: Substring) -> Int? {
        let bytes = text.utf8
        guard (1...5).contains(bytes.count), let units = bytes.first,
              units == UInt8(ascii: "0") || units == UInt8(ascii: "1")
        else { return nil }
        var thousandths = units == UInt8(ascii: "1") ? fullWeight : 0
        let rest = bytes.dropFirst()
        guard let point = rest.first else { return thousandths }
        guard point == UInt8(ascii: ".") else { return nil }
        var scale = 100
        for digit in rest.dropFirst() {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            thousandths += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return thousandths <= fullWeight ? thousandths : nil
    }
}
