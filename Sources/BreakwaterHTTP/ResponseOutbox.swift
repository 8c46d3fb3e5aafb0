import NIOCore
import NIOHTTP1

/// The responses one connection is writing, in order, each body in slices handed to the channel
/// only while it is writable. A client that stops reading then holds at most a slice beyond the
/// socket's buffers: a body handed over whole would be copied whole by any layer that transforms
/// it (TLS encrypts a copy per connection), outside the memory the body budget counts.
/// Slices share the body's storage, so plain connections copy nothing.
final class ResponseOutbox {
    /// The slice size: large enough that a fast client needs few writes.
    static let sliceSize = 262_144

    private struct Entry {
        var head: HTTPResponseHead?
        var body: ByteBuffer?
        /// Completed once the response's last byte is written.
        let written: EventLoopPromise<Void>
    }

    private var entries: [Entry] = []
    /// Whether ``send(context:)`` is running: writing can make the channel writable again, and
    /// the loop that is running goes on by itself.
    private var sending = false

    /// Queues a response behind those before it.
    func append(_ head: HTTPResponseHead, body: ByteBuffer?, written: EventLoopPromise<Void>) {
        entries.append(Entry(head: head, body: body, written: written))
    }

    /// Writes what the channel takes now: heads, slices of bodies, and the end of each response,
    /// until the channel is not writable or nothing is left.
    func send(context: ChannelHandlerContext, wrap: (HTTPServerResponsePart) -> NIOAny) {
        guard !sending else { return }
        sending = true
        defer { sending = false }
        while !entries.isEmpty, context.channel.isActive, context.channel.isWritable {
            if let head = entries[0].head {
                entries[0].head = nil
                context.write(wrap(.head(head)), promise: nil)
            }
            if var body = entries[0].body, let slice = body.readSlice(length: min(Self.sliceSize, body.readableBytes)),
                slice.readableBytes > 0
            {
                entries[0].body = body.readableBytes > 0 ? body : nil
                context.writeAndFlush(wrap(.body(.byteBuffer(slice))), promise: nil)
                continue
            }
            let entry = entries.removeFirst()
            context.writeAndFlush(wrap(.end(nil)), promise: entry.written)
        }
    }

    /// Fails every response not yet handed to the channel: the connection is gone.
    func failAll() {
        let failed = entries
        entries = []
        for entry in failed {
            entry.written.fail(ChannelError.ioOnClosedChannel)
        }
    }
}
