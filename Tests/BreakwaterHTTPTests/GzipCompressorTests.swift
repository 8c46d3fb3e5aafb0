import Foundation
import NIOCore
import Testing
@testable import BreakwaterHTTP

@Suite struct GzipCompressorTests {
    @Test func compressedBodyDecompressesToTheInput() throws {
        let input = Array("breakwater_calls_total{breaker=\"payments\",outcome=\"success\"} 42\n".utf8)
        let compressor = try GzipCompressor(level: 6)
        var buffer = ByteBuffer()
        try compressor.compress(input, into: &buffer)
        #expect(try gunzip(buffer) == input)
    }

    @Test func outputStartsWithTheGzipMagicAndDeflateMethod() throws {
        let compressor = try GzipCompressor(level: 1)
        var buffer = ByteBuffer()
        try compressor.compress(Array("x".utf8), into: &buffer)
        #expect(buffer.getBytes(at: buffer.readerIndex, length: 3) == [0x1F, 0x8B, 0x08])
    }

    @Test func emptyInputBecomesAValidGzipMemberOfNothing() throws {
        let compressor = try GzipCompressor(level: 1)
        var buffer = ByteBuffer()
        try compressor.compress([], into: &buffer)
        // A gzip member is never empty: 10 header bytes, an empty deflate block, 8 trailer bytes.
        #expect(buffer.readableBytes >= 18)
        #expect(try gunzip(buffer) == [])
    }

    @Test func repetitiveExpositionShrinksMoreThanTenfoldAtLevelOne() throws {
        let exposition = prometheusLikeExposition(minimumBytes: 700_000)
        let compressor = try GzipCompressor(level: 1)
        var buffer = ByteBuffer()
        try compressor.compress(exposition, into: &buffer)
        let ratio = Double(exposition.count) / Double(buffer.readableBytes)
        #expect(ratio > 10, "\(exposition.count) bytes compressed to \(buffer.readableBytes)")
        #expect(try gunzip(buffer) == exposition)
    }

    @Test func oneCompressorCompressesBodyAfterBodyIndependently() throws {
        let compressor = try GzipCompressor(level: 1)
        let bodies = [
            Array("first body\n".utf8),
            prometheusLikeExposition(minimumBytes: 50_000),
            [],
            Array(String(repeating: "second, different body\n", count: 100).utf8),
            Array("first body\n".utf8),
        ]
        var outputs: [ByteBuffer] = []
        for body in bodies {
            var buffer = ByteBuffer()
            try compressor.compress(body, into: &buffer)
            #expect(try gunzip(buffer) == body)
            outputs.append(buffer)
        }
        // A reset stream carries nothing over: the same body compresses to the same bytes.
        #expect(outputs.first == outputs.last)
    }

    @Test func compressedBodyIsAppendedAfterBytesAlreadyInTheBuffer() throws {
        let compressor = try GzipCompressor(level: 1)
        var buffer = ByteBuffer(string: "head")
        try compressor.compress(Array("body".utf8), into: &buffer)
        #expect(buffer.readString(length: 4) == "head")
        #expect(try gunzip(buffer) == Array("body".utf8))
    }

    @Test func rawBufferInputGivesTheSameBytesAsAnArray() throws {
        let input = prometheusLikeExposition(minimumBytes: 10_000)
        let compressor = try GzipCompressor(level: 1)
        var fromArray = ByteBuffer()
        try compressor.compress(input, into: &fromArray)
        var fromRawBuffer = ByteBuffer()
        try input.withUnsafeBytes { bytes in try compressor.compress(bytes, into: &fromRawBuffer) }
        #expect(fromArray == fromRawBuffer)
    }

    @Test(arguments: 1...9)
    func everyLevelRoundTrips(level: Int) throws {
        let input = prometheusLikeExposition(minimumBytes: 20_000)
        var buffer = ByteBuffer()
        try GzipCompressor(level: level).compress(input, into: &buffer)
        #expect(try gunzip(buffer) == input)
    }

    @Test(arguments: [0, 10, -1, Int.max, Int.min])
    func levelsOutsideOneToNineAreRejected(level: Int) {
        #expect(throws: GzipError.self) { try GzipCompressor(level: level) }
    }

    @Test func pythonsGzipModuleDecompressesTheOutput() throws {
        let input = prometheusLikeExposition(minimumBytes: 100_000)
        var buffer = ByteBuffer()
        try GzipCompressor(level: 1).compress(input, into: &buffer)
        #expect(try pythonGzipDecompress(Array(buffer.readableBytesView)) == input)
    }
}

/// A text exposition like a service with many breakers renders, at least `minimumBytes` long:
/// the same few families over and over with changing label values and numbers.
private func prometheusLikeExposition(minimumBytes: Int) -> [UInt8] {
    var text = """
        # HELP breakwater_calls_total Calls through a circuit breaker, by outcome.
        # TYPE breakwater_calls_total counter

        """
    var breaker = 0
    while text.utf8.count < minimumBytes {
        let name = "dependency-\(breaker)"
        for outcome in ["success", "failure", "rejected", "timeout"] {
            text += "breakwater_calls_total{breaker=\"\(name)\",outcome=\"\(outcome)\"} \(breaker * 7919 % 100_003)\n"
        }
        for bound in ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"] {
            text += "breakwater_call_duration_seconds_bucket{breaker=\"\(name)\",le=\"\(bound)\"} \(breaker * 31 % 977)\n"
        }
        text += "breakwater_state{breaker=\"\(name)\",state=\"closed\"} 1\n"
        breaker += 1
    }
    return Array(text.utf8)
}

/// `bytes` decompressed by Python's `gzip.decompress`, a gzip reader that is not zlib's
/// inflate driven by us. Uses `/usr/bin/python3`, whose standard library always has `gzip`.
private func pythonGzipDecompress(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = [
        "-c", "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
    ]
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Python reads all of its input before it writes, so writing everything first cannot
    // deadlock on a full output pipe.
    try input.fileHandleForWriting.write(contentsOf: bytes)
    try input.fileHandleForWriting.close()
    let decompressed = output.fileHandleForReading.readDataToEndOfFile()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonGzipError(message: String(decoding: message, as: UTF8.self))
    }
    return Array(decompressed)
}

/// Python's traceback when `gzip.decompress` rejected the bytes.
private struct PythonGzipError: Error {
    /// What Python wrote to standard error.
    let message: String
}
