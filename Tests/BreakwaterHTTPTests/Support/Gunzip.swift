// Decompresses gzip with zlib's inflate, independently of the compressor under test, so that
// tests can check what the server sends.

import CZlib
import NIOCore

/// The bytes that the single gzip member in `buffer`'s readable bytes decompresses to.
///
/// Strict, as a test oracle should be: the member must be complete, its CRC-32 and length
/// must match (inflate checks the trailer), and no bytes may follow it.
///
/// - Throws: ``GunzipError`` when the input is not exactly one valid gzip member.
func gunzip(_ buffer: ByteBuffer) throws -> [UInt8] {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
        stream.deinitialize(count: 1)
        stream.deallocate()
    }
    // windowBits 15 + 16: a gzip wrapper only, not zlib's or raw deflate.
    let initCode = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard initCode == Z_OK else { throw GunzipError(code: initCode, reason: "inflateInit2 failed") }
    defer { inflateEnd(stream) }

    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    try buffer.withUnsafeReadableBytes { input in
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(input.count)
        while true {
            let code = chunk.withUnsafeMutableBufferPointer { chunkBytes in
                stream.pointee.next_out = chunkBytes.baseAddress
                stream.pointee.avail_out = uInt(chunkBytes.count)
                return inflate(stream, Z_NO_FLUSH)
            }
            output += chunk[..<(chunk.count - Int(stream.pointee.avail_out))]
            switch code {
            case Z_STREAM_END:
                guard stream.pointee.avail_in == 0 else {
                    throw GunzipError(code: code, reason: "\(stream.pointee.avail_in) bytes follow the gzip member")
                }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                throw GunzipError(code: code, reason: "the gzip member is truncated")
            default:
                let message = stream.pointee.msg.map { String(cString: $0) }
                throw GunzipError(code: code, reason: message ?? "inflate failed")
            }
        }
    }
    return output
}

/// Why ``gunzip(_:)`` rejected its input.
struct GunzipError: Error, CustomStringConvertible {
    /// zlib's return code.
    let code: Int32
    /// What was wrong, in zlib's words where it gave some.
    let reason: String

    /// The code and the reason, for test failure messages.
    var description: String { "gunzip failed (zlib code \(code)): \(reason)" }
}
