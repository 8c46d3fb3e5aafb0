#!/usr/bin/env python3
"""Hostile clients against a Breakwater listener's TLS port: the plain-HTTP battery's cases, each
made after a completed TLS handshake (or, for the silent ones, before any). Prints one JSON
object with what each case saw; HostileTLSTests runs it against breakwater-demo and judges it.

    hostile_tls.py PORT CA_FILE CASE [CASE ...]

Cases: lockout, connect, pipelined_heads, never_read, half_close, slowloris.
Standard library only."""

import json
import resource
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
PARTIAL_HEAD = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "


def context(ca_file):
    tls = ssl.create_default_context(cafile=ca_file)
    tls.check_hostname = False  # the certificate names 127.0.0.1 as an IP address; verified all the same
    return tls


def tls_connection(port, tls, timeout=10.0, receive_buffer=None):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(timeout)
    raw.connect((HOST, port))
    return tls.wrap_socket(raw)


def read_until_closed(connection, limit=1 << 26):
    received = bytearray()
    try:
        while len(received) < limit:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
        pass
    return bytes(received)


def status_of(response):
    line = response.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def scrape(port, tls, timeout=10.0):
    """A scrape as Prometheus makes it, with its default scrape timeout: status and seconds."""
    started = time.monotonic()
    try:
        connection = tls_connection(port, tls, timeout=timeout)
        connection.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = read_until_closed(connection)
        connection.close()
        return status_of(response), time.monotonic() - started
    except (OSError, ssl.SSLError) as error:
        return f"{type(error).__name__}: {error}", time.monotonic() - started


def lockout(port, tls):
    """1,000 connections that never start their handshake and 100 that finish it and then trickle
    a request head, all held while a scraper comes."""
    silent = []
    for _ in range(1000):
        s = socket.create_connection((HOST, port), timeout=10)
        silent.append(s)
    trickling = []
    for _ in range(100):
        c = tls_connection(port, tls)
        c.sendall(PARTIAL_HEAD)
        trickling.append(c)
    time.sleep(1)
    status, seconds = scrape(port, tls)
    for c in silent + trickling:
        c.close()
    return {"status": status, "seconds": round(seconds, 2)}


def connect(port, tls):
    """CONNECT after the handshake, then 16 MB more: answered with an error, never buffered."""
    c = tls_connection(port, tls, timeout=20)
    c.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    sent = 0
    junk = b"x" * 65536
    try:
        while sent < 16 << 20:
            c.sendall(junk)
            sent += len(junk)
    except (OSError, ssl.SSLError):
        pass
    response = read_until_closed(c)
    c.close()
    return {"status": status_of(response), "sent": sent}


def pipelined_heads(port, tls):
    """1,000 pipelined HEAD /metrics in one write: a bounded number answered, then the close."""
    c = tls_connection(port, tls, timeout=30)
    started = time.monotonic()
    try:
        c.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 1000)
    except (OSError, ssl.SSLError):
        pass
    response = read_until_closed(c)
    c.close()
    return {"answered": response.count(b"HTTP/1.1 200"), "closed_after": round(time.monotonic() - started, 2)}


def never_read(port, tls, clients=50, hold=6.0):
    """Clients that request the whole exposition and never read it, held for `hold` seconds."""
    held = []
    for _ in range(clients):
        c = tls_connection(port, tls, receive_buffer=4096)
        c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
        held.append(c)
    time.sleep(hold)
    for c in held:
        c.close()
    status, seconds = scrape(port, tls)
    return {"clients": clients, "held_seconds": hold, "scrape_after": status}


def half_close(port, tls):
    """A request, then the client's TCP write side shut (FIN, no close_notify), as HTTP/1.0 tools
    and some load balancers do."""
    c = tls_connection(port, tls)
    c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    # The TCP socket's own shutdown: SSLSocket.shutdown would also drop the TLS state, and read
    # the answer's ciphertext.
    socket.socket.shutdown(c, socket.SHUT_WR)
    response = read_until_closed(c)
    c.close()
    return {"status": status_of(response)}


def slowloris(port, tls):
    """A request head a byte a second after the handshake: cut off, not served forever."""
    c = tls_connection(port, tls, timeout=60)
    started = time.monotonic()
    head = PARTIAL_HEAD + b"z" * 100
    closed_after = None
    try:
        for byte in head:
            c.sendall(bytes([byte]))
            time.sleep(1)
            if time.monotonic() - started > 45:
                break
        closed_after = None
    except (OSError, ssl.SSLError):
        closed_after = time.monotonic() - started
    if closed_after is None:
        read_until_closed(c)
        closed_after = time.monotonic() - started
    c.close()
    return {"closed_after": round(closed_after, 1)}


CASES = {
    "lockout": lockout, "connect": connect, "pipelined_heads": pipelined_heads, "never_read": never_read,
    "half_close": half_close, "slowloris": slowloris,
}


def main():
    port, ca_file, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    tls = context(ca_file)
    results = {}
    for name in names:
        started = time.monotonic()
        try:
            results[name] = CASES[name](port, tls)
        except Exception as error:  # reported, for the test to show
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["case_seconds"] = round(time.monotonic() - started, 1)
        after = scrape(port, tls)
        results[name]["scrape_after"] = after[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
