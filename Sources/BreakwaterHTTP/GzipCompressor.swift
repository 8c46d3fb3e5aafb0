// gzip for responses, through the system zlib. A body is compressed piece by piece as it is
// rendered, straight into the response buffer, which grows with the compressed size only.

import CZlib
import NIOCore

/// Compresses bodies to gzip, one at a time, on one zlib stream.
///
/// zlib allocates the stream's window and hash tables (about 256 KiB at memory level 8) once, in
/// `init`, and ``reset()`` only clears them, so one compressor can serve body after body. Not
/// `Sendable`: a zlib stream has no locking.
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

    /// Starts a new gzip member: the ``append(_:to:)`` calls that follow compress its content, and
    /// ``finish(into:)`` ends it. Resetting keeps zlib's allocated state, which is the point of
    /// reuse, and cleans a stream that an earlier failure left mid-member.
    func reset() throws(GzipError) {
        let code = deflateReset(stream)
        guard code == Z_OK else { throw GzipError(code: code, stream: stream) }
    }

    /// Compresses `input` as the next piece of the member, appending what zlib emits to `buffer`,
    /// which grows as needed. zlib keeps up to a block of input to itself until more arrives or
    /// the member finishes.
    func append(_ input: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) throws(GzipError) {
        try deflate(input, flush: Z_NO_FLUSH, into: &buffer)
    }

    /// Ends the member: appends what zlib still holds and the gzip trailer to `buffer`.
    func finish(into buffer: inout ByteBuffer) throws(GzipError) {
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, into: &buffer)
    }

    /// Appends `input`, compressed as one whole gzip member, to `buffer`.
    ///
    /// - Throws: ``GzipError`` when zlib reports an error; `buffer` may then hold part of a member.
    func compress(_ input: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) throws(GzipError) {
        try reset()
        try append(input, to: &buffer)
        try finish(into: &buffer)
    }

    /// Appends `input`, compressed as one gzip member, to `buffer`; see ``compress(_:into:)``.
    func compress(_ input: [UInt8], into buffer: inout ByteBuffer) throws(GzipError) {
        // withUnsafeBufferPointer, not withUnsafeBytes: it keeps the error's type (typed throws).
        try input.withUnsafeBufferPointer { (elements) throws(GzipError) in
            try compress(UnsafeRawBufferPointer(elements), into: &buffer)
        }
    }

    /// The least room given to zlib for each call: enough for a deflate block's worth of output,
    /// small beside a response.
    private static let minimumRoom = 16_384

    /// Feeds `input` to zlib with `flush` and appends its output to `buffer` until zlib has taken
    /// all the input and, for `Z_FINISH`, ended the member.
    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32, into buffer: inout ByteBuffer) throws(GzipError) {
        // avail_in is 32-bit; the pieces a render hands over are far smaller.
        guard input.count <= UInt32.max else {
            throw GzipError(code: Z_BUF_ERROR, message: "a piece of \(input.count) bytes is more than zlib takes at once")
        }
        // zlib's next_in is not const-qualified, but deflate only reads through it.
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(input.count)
        // Leave no pointer into memory that is not ours once this returns.
        defer { stream.pointee.next_in = nil }
        var code = Z_OK
        var outputFilled = false
        repeat {
            // A ByteBuffer holds at most 4 GiB; refuse rather than let it trap.
            guard buffer.writerIndex <= Int(UInt32.max) - Self.minimumRoom * 2 else {
                throw GzipError(code: Z_BUF_ERROR, message: "the compressed body would exceed 4 GiB")
            }
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.minimumRoom) { output in
                let room = min(output.count, Int(UInt32.max))
                stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(room)
                code = CZlib.deflate(stream, flush)
                stream.pointee.next_out = nil
                outputFilled = stream.pointee.avail_out == 0
                return room - Int(stream.pointee.avail_out)
            }
            // Z_BUF_ERROR only says no progress was possible this call, which more room cures.
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw GzipError(code: code, stream: stream)
            }
        } while outputFilled || (flush == Z_FINISH && code != Z_STREAM_END)
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
