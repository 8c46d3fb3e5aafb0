// gzip for scrape responses, through the system zlib. An exposition is rendered whole before it
// is sent, so each body is compressed in one deflate call straight into the response buffer.

import CZlib
import NIOCore

/// Compresses whole bodies to gzip, one at a time, reusing one zlib stream.
///
/// One compressor belongs to one connection and serves its requests in turn: zlib allocates
/// the stream's window and hash tables (about 256 KiB at memory level 8) once, in `init`, and
/// ``compress(_:into:)`` only resets them. Not `Sendable`: a zlib stream has no locking.
final class GzipCompressor {
    /// The zlib stream, on the heap because zlib's internal state points back at it: the
    /// `z_stream` must never move, which a stored struct property does not promise.
    private let stream: UnsafeMutablePointer<z_stream>

    /// A compressor at zlib `level`, from 1 (fastest) to 9 (smallest).
    ///
    /// - Throws: ``GzipError`` when `level` is outside 1...9, or when zlib cannot set up the
    ///   stream (`Z_MEM_ERROR` when out of memory, `Z_VERSION_ERROR` when the zlib loaded at
    ///   run time is incompatible with the header this was built against).
    init(level: Int) throws(GzipError) {
        guard (1...9).contains(level) else {
            throw GzipError(code: Z_STREAM_ERROR, message: "compression level \(level) is outside 1...9")
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        // A zeroed stream: null zalloc, zfree and opaque make zlib use malloc and free.
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 asks for the gzip wrapper (header and CRC-32 trailer) around the
        // raw deflate data; memory level 8 is zlib's default. `deflateInit2` is a C macro that
        // Swift does not import, so call the function it expands to.
        let code = deflateInit2_(
            stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)
        )
        guard code == Z_OK else {
            let error = GzipError(code: code, stream: stream)
            // No property is set yet, so `deinit` will not run: release the stream here.
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
        self.stream = stream
    }

    /// Frees zlib's state and the stream; a body compressed earlier stays valid in its buffer.
    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Appends `input`, compressed as one gzip member, to `buffer`'s writable bytes.
    ///
    /// Reserves zlib's worst-case size for `input` (`deflateBound`) and deflates in a single
    /// `Z_FINISH` call directly into the buffer, so nothing but the buffer's growth allocates.
    /// On failure `buffer` keeps its readable bytes unchanged.
    ///
    /// - Throws: ``GzipError`` when the compressed body could exceed what a ``ByteBuffer`` holds
    ///   (4 GiB), or when zlib reports an error.
    func compress(_ input: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) throws(GzipError) {
        // Reset first rather than after, so a stream left mid-body by an earlier failure is
        // clean too. Resetting keeps the allocated state, which is the point of reuse.
        let resetCode = deflateReset(stream)
        guard resetCode == Z_OK else { throw GzipError(code: resetCode, stream: stream) }

        let bound = deflateBound(stream, uLong(input.count))
        // avail_in and avail_out are 32-bit, and a ByteBuffer's indices are too.
        guard input.count <= UInt32.max, bound <= UInt32.max else {
            throw GzipError(
                code: Z_BUF_ERROR,
                message: "\(input.count) bytes may compress to \(bound), more than a buffer holds (4 GiB)"
            )
        }

        var code = Z_OK
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(bound)) { output in
            // zlib's next_in is not const-qualified, but deflate only reads through it.
            stream.pointee.next_in = input.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(min(output.count, Int(UInt32.max)))
            code = deflate(stream, Z_FINISH)
            let written = output.count - Int(stream.pointee.avail_out)
            // Leave no pointers into memory that is not ours once this closure returns.
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
            return code == Z_STREAM_END ? written : 0
        }
        // With at least deflateBound bytes of room, Z_FINISH completes in one call; anything
        // else is an error, or zlib breaking its promise.
        guard code == Z_STREAM_END else { throw GzipError(code: code, stream: stream) }
    }

    /// Appends `input`, compressed as one gzip member, to `buffer`; see ``compress(_:into:)``.
    func compress(_ input: [UInt8], into buffer: inout ByteBuffer) throws(GzipError) {
        // withUnsafeBufferPointer, not withUnsafeBytes: it keeps the error's type (typed throws).
        try input.withUnsafeBufferPointer { (elements) throws(GzipError) in
            try compress(UnsafeRawBufferPointer(elements), into: &buffer)
        }
    }
}

/// zlib's stream has no locking and this type hands out no copies: one thread at a time.
@available(*, unavailable)
extension GzipCompressor: Sendable {}

/// Why zlib could not set up a stream or compress a body.
struct GzipError: Error, CustomStringConvertible {
    /// zlib's return code, e.g. `Z_STREAM_ERROR` (-2), `Z_MEM_ERROR` (-4), `Z_BUF_ERROR` (-5).
    let code: Int32
    /// zlib's message for the failure (`z_stream.msg`), or this module's own when it refused
    /// before calling zlib; `nil` when zlib gave none.
    let message: String?

    /// An error with `code` and an explanation.
    init(code: Int32, message: String?) {
        self.code = code
        self.message = message
    }

    /// An error with `code` and whatever message zlib left in `stream`.
    fileprivate init(code: Int32, stream: UnsafeMutablePointer<z_stream>) {
        self.init(code: code, message: stream.pointee.msg.map { String(cString: $0) })
    }

    /// The code, by name where zlib has one, and the message.
    var description: String {
        let name = switch code {
        case Z_STREAM_ERROR: "Z_STREAM_ERROR"
        case Z_DATA_ERROR: "Z_DATA_ERROR"
        case Z_MEM_ERROR: "Z_MEM_ERROR"
        case Z_BUF_ERROR: "Z_BUF_ERROR"
        case Z_VERSION_ERROR: "Z_VERSION_ERROR"
        default: "zlib code \(code)"
        }
        return message.map { "gzip failed: \(name): \($0)" } ?? "gzip failed: \(name)"
    }
}
