import Breakwater
import BreakwaterMetrics
import NIOCore

/// Renders the bodies that ``SharedRenderer`` shares, on its thread pool.
///
/// The exposition is rendered in pieces of ``chunkSize`` bytes, and each piece is compressed or
/// copied into the body as soon as it is written, so a gzip body never exists as text in whole:
/// what a render holds is its body, a piece, and (for gzip) one zlib stream.
struct BodyRenderer: Sendable {
    /// The size of the pieces an exposition is rendered in.
    static let chunkSize = 65_536

    let collector: MetricsCollector
    let registry: CircuitBreakerRegistry?
    let metricsPath: String
    let manualControl: Bool
    let compressionLevel: Int

    /// The body for `key`, in a buffer sized for `sizeHint` bytes (the size of the last one).
    ///
    /// - Throws: ``GzipError`` when zlib fails or a gzip body would pass what a buffer holds,
    ///   ``BodyTooLargeError`` when another body would.
    func render(_ key: BodyKey, sizeHint: Int) throws -> ByteBuffer {
        // A little room beyond the last size, so that a body that grew a few series does not
        // double its buffer.
        var body = ByteBuffer()
        body.reserveCapacity(max(1_024, sizeHint + sizeHint / 16))
        switch key.content {
        case .exposition(let format):
            try renderExposition(format, gzip: key.gzip, into: &body)
        case .statusPage:
            try write(StatusPage.html(circuits(), metricsPath: metricsPath, manualControl: manualControl), gzip: key.gzip, into: &body)
        case .circuitsDocument:
            try write(CircuitsDocument.json(circuits(), manualControl: manualControl), gzip: key.gzip, into: &body)
        }
        return body
    }

    private func circuits() -> [CircuitStatus] {
        CircuitStatus.all(in: registry)
    }

    private func renderExposition(_ format: ExpositionFormat, gzip: Bool, into body: inout ByteBuffer) throws {
        let compressor = gzip ? try GzipCompressor(level: compressionLevel) : nil
        var failure: (any Error)?
        collector.render(format, chunkSize: Self.chunkSize) { piece in
            guard failure == nil else { return }
            do {
                if let compressor {
                    try compressor.append(piece, to: &body)
                } else {
                    try Self.append(piece, to: &body)
                }
            } catch {
                failure = error
            }
        }
        if let failure {
            throw failure
        }
        try compressor?.finish(into: &body)
    }

    private func write(_ text: String, gzip: Bool, into body: inout ByteBuffer) throws {
        var text = text
        try text.withUTF8 { bytes in
            if gzip {
                try GzipCompressor(level: compressionLevel).compress(UnsafeRawBufferPointer(bytes), into: &body)
            } else {
                try Self.append(UnsafeRawBufferPointer(bytes), to: &body)
            }
        }
    }

    private static func append(_ bytes: UnsafeRawBufferPointer, to body: inout ByteBuffer) throws(BodyTooLargeError) {
        // A ByteBuffer holds at most 4 GiB; refuse rather than let it trap.
        guard body.writerIndex + bytes.count <= Int(UInt32.max) else { throw BodyTooLargeError() }
        body.writeBytes(bytes)
    }
}

/// A response body would exceed the 4 GiB a buffer holds.
struct BodyTooLargeError: Error, CustomStringConvertible {
    var description: String { "the response body would exceed 4 GiB" }
}
