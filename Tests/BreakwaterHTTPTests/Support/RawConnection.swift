// A deliberately dumb HTTP/1.1 client over a blocking POSIX socket: it sends exactly the bytes a
// test gives it (garbage included) and parses responses strictly, so the tests see the wire as
// the server wrote it. Call it through `offloaded` from async tests.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a raw connection failed.
struct RawConnectionError: Error, CustomStringConvertible {
    let description: String
}

/// One response as it came off the wire.
struct RawResponse: Sendable {
    /// The status code.
    var status: Int
    /// The header fields in order, names as sent.
    var headers: [(name: String, value: String)]
    /// The body bytes, exactly as sent (still compressed when `Content-Encoding` says so).
    var body: [UInt8]

    /// The first value of the header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// How many times the header `name` appears.
    func count(of name: String) -> Int {
        headers.filter { $0.name.lowercased() == name.lowercased() }.count
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A TCP connection to the server under test.
final class RawConnection: @unchecked Sendable {
    fileprivate let socketDescriptor: Int32
    private var received: [UInt8] = []
    /// Whether the server reset the connection rather than closing it.
    private(set) var wasReset = false

    /// Connects to `host:port`, an IPv4 or IPv6 literal; every later read or write waits at most
    /// `timeout` (a minute by default: a ThreadSanitizer run of every suite at once on two cores
    /// can keep a render waiting for tens of seconds). A `receiveBufferSize` keeps the kernel from
    /// growing the receive window, so a client that does not read stalls the server's writes
    /// after a few kilobytes.
    init(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(60), receiveBufferSize: Int? = nil) throws {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        socketDescriptor = Glibc.socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw RawConnectionError(description: "socket() failed: \(errno)") }
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketDescriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferSize.map(Int32.init) {
            setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let connected: Int32
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = Self.connect(socketDescriptor, to: address)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = Self.connect(socketDescriptor, to: address)
        }
        guard connected == 0 else {
            // No close here: every stored property is set, so `deinit` runs on this throw and
            // closes the socket. Closing it here too would close whatever socket took its number
            // meanwhile, the server's or another test's.
            throw RawConnectionError(description: "connect to \(host):\(port) failed: errno \(errno)")
        }
    }

    private var isOpen = true

    /// `connect(2)` with a `sockaddr_in` or `sockaddr_in6`.
    private static func connect<Address>(_ socket: Int32, to address: Address) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }

    deinit {
        close()
    }

    /// Closes the connection from this side.
    func close() {
        if isOpen && socketDescriptor >= 0 {
            Glibc.close(socketDescriptor)
            isOpen = false
        }
    }

    /// Sends `text` as UTF-8.
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends `bytes`, all of them.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(socketDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawConnectionError(description: "send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads one response; `head` when it answers a HEAD request, whose body is never sent.
    func readResponse(head: Bool = false) throws -> RawResponse {
        let headEnd = try readUntil(Array("\r\n\r\n".utf8))
        let headText = String(decoding: received[..<headEnd], as: UTF8.self)
        received.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw RawConnectionError(description: "bad status line in: \(headText)")
        }
        let headers = try lines.map { line -> (name: String, value: String) in
            guard let colon = line.firstIndex(of: ":") else {
                throw RawConnectionError(description: "bad header line: \(line)")
            }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if head { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            try fill(atLeast: length)
            response.body = Array(received.prefix(length))
            received.removeFirst(length)
        } else {
            response.body = try readUntilClosed()
        }
        return response
    }

    /// Reads until the server closes the connection; returns what came before the close.
    func readUntilClosed() throws -> [UInt8] {
        while try readMore() {}
        defer { received.removeAll() }
        return received
    }

    /// Whether the server has closed the connection: waits for the close, and fails on any byte.
    func isClosedByServer() -> Bool {
        (try? readUntilClosed())?.isEmpty ?? false
    }

    /// How long the server took from now to close the connection without sending a byte; `nil`
    /// when it sent one or did not close it within the connection's timeout.
    func timeUntilClosedByServer() -> Duration? {
        let started = ContinuousClock.now
        return isClosedByServer() ? ContinuousClock.now - started : nil
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if received.count >= marker.count {
                for start in searchFrom...(received.count - marker.count)
                where received[start..<start + marker.count].elementsEqual(marker) {
                    return start
                }
                searchFrom = received.count - marker.count + 1
            }
            guard try readMore() else {
                throw RawConnectionError(
                    description: "connection \(wasReset ? "reset" : "closed") before a complete head; got \(received.count) bytes"
                )
            }
        }
    }

    private func fill(atLeast count: Int) throws {
        while received.count < count {
            guard try readMore() else {
                throw RawConnectionError(description: "connection closed after \(received.count) of \(count) body bytes")
            }
        }
    }

    /// Reads what is there; `false` at end of stream.
    private func readMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            received.append(contentsOf: chunk[..<count])
            return true
        }
        if count == 0 { return false }
        if errno == ECONNRESET {
            wasReset = true
            return false
        }
        throw RawConnectionError(description: errno == EAGAIN ? "read timed out" : "recv failed: errno \(errno)")
    }
}

extension RawConnection {
    /// Half-closes the connection: sends FIN and keeps reading, as an HTTP/1.0 tool or a load
    /// balancer does after its request.
    func shutDownWriting() {
        Glibc.shutdown(socketDescriptor, Int32(SHUT_WR))
    }

    /// Makes the next close abortive: the kernel sends RST instead of FIN, as a client that
    /// crashed or lost its network would.
    func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socketDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}
