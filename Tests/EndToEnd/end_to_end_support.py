"""What the end-to-end test runs on: the processes it starts and stops, Prometheus's HTTP API,
polling with a deadline, and the webhook Alertmanager notifies. Standard library only."""

import calendar
import http.server
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# The signals that stop the test (Ctrl-C, termination, its time limit); blocked while a process
# starts, so that their handler never finds one started but not yet registered.
STOPPING_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM}


class Deadline(BaseException):
    """The whole run is over its time limit, or the test was interrupted: not a check failure."""


class CheckFailed(Exception):
    pass


class ProcessExited(CheckFailed):
    """A process the test started is gone: no point waiting for anything any more."""


def log(message):
    print(message, flush=True)


# --- processes and temporary files ----------------------------------------------------------


class Processes:
    """Processes started in process groups of their own, all stopped by stop_all()."""

    def __init__(self, directory):
        self.directory = directory
        self.started = []  # (name, Popen, log path)
        self.stopped = []  # the same, for processes stopped on purpose

    def start(self, name, arguments):
        path = os.path.join(self.directory, f"{name}.log")
        # No signal handler (time limit, Ctrl-C) may run between the start and the bookkeeping
        # that lets stop_all() find the process.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
        try:
            with open(path, "wb") as output:
                process = subprocess.Popen(
                    arguments, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                    cwd=self.directory, start_new_session=True)
            self.started.append((name, process, path))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return process

    def stop(self, name, grace=10.0):
        """Stops one process gracefully (SIGTERM, then SIGKILL after grace seconds) and forgets it
        for check_running(); its log stays readable."""
        for index, (started_name, process, path) in enumerate(self.started):
            if started_name == name:
                signal_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    signal_group(process, signal.SIGKILL)
                    process.wait(timeout=5)
                self.stopped.append(self.started.pop(index))
                return
        raise KeyError(name)

    def log_of(self, name):
        for started_name, _, path in self.started + self.stopped:
            if started_name == name:
                with open(path, encoding="utf-8", errors="replace") as f:
                    return f.read()
        return ""

    def check_running(self):
        for name, process, _ in self.started:
            if process.poll() is not None:
                raise ProcessExited(f"{name} exited with status {process.returncode}:\n{tail(self.log_of(name))}")

    def stop_all(self, grace=5.0):
        for _, process, _ in self.started:
            signal_group(process, signal.SIGTERM)
        end = time.monotonic() + grace
        for name, process, _ in self.started:
            try:
                process.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"cleanup: {name} (pid {process.pid}) ignored SIGTERM, sending SIGKILL")
        for name, process, _ in self.started:
            # SIGKILL the group whatever happened: the leader may be gone and a child left.
            signal_group(process, signal.SIGKILL)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log(f"cleanup: {name} (pid {process.pid}) survived SIGKILL")


def signal_group(process, number):
    try:
        os.killpg(process.pid, number)  # start_new_session: the group id is the pid
    except (ProcessLookupError, PermissionError):
        pass


def tail(text, lines=25):
    return "\n".join("    | " + line for line in text.rstrip().splitlines()[-lines:])


def free_ports(count):
    """Ports free on 127.0.0.1 right now, distinct: each socket stays bound until all are chosen."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# --- TLS ----------------------------------------------------------------------------------------


class Certificates:
    """A certificate authority made by openssl in `directory`, a server certificate for 127.0.0.1
    signed by it, and a client certificate for Prometheus: the files of mutual TLS."""

    def __init__(self, directory):
        self.directory = directory
        self.ca, self.ca_key = self.path("ca.crt"), self.path("ca.key")
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", self.ca_key, "-out", self.ca, "-days", "2", "-subj", "/CN=Breakwater end-to-end CA")
        self.server = self.issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        self.client = self.issue("client", "extendedKeyUsage=clientAuth\n")

    def path(self, name):
        return os.path.join(self.directory, name)

    def issue(self, name, extensions):
        """Signs a new key's certificate; returns the paths of the certificate and the key."""
        certificate, key, extensions_file = self.path(f"{name}.crt"), self.path(f"{name}.key"), self.path(f"{name}.ext")
        with open(extensions_file, "w") as f:
            f.write(extensions)
        self.openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", key, "-out", self.path(f"{name}.csr"), "-subj", f"/CN={name}")
        self.openssl("x509", "-req", "-in", self.path(f"{name}.csr"), "-CA", self.ca, "-CAkey", self.ca_key,
                     "-CAcreateserial", "-out", certificate, "-days", "2", "-extfile", extensions_file)
        return certificate, key

    def client_context(self):
        """An SSL context that trusts the authority and presents the client certificate."""
        context = ssl.create_default_context(cafile=self.ca)
        context.load_cert_chain(*self.client)
        return context

    @staticmethod
    def openssl(*arguments):
        done = subprocess.run(["openssl", *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"openssl {' '.join(arguments)} exited {done.returncode}: {done.stdout.decode()}")


# --- HTTP -----------------------------------------------------------------------------------


def http_get(url, timeout=10, context=None):
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
        return response.status, response.read()


def get_json(url, timeout=10):
    _, body = http_get(url, timeout)
    return json.loads(body)


class Prometheus:
    def __init__(self, url):
        self.url = url

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode(params)
        try:
            body = get_json(url, timeout=30)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        if body.get("status") != "success":
            raise CheckFailed(f"query failed: {body.get('errorType')}: {body.get('error')}\n    {expr}")
        return body["data"]

    def vector(self, expr, at=None):
        """{frozenset(labels): value} of an instant vector query."""
        data = self.query(expr, at)
        if data["resultType"] == "scalar":
            return {frozenset(): float(data["result"][1])}
        return {frozenset(s["metric"].items()): float(s["value"][1]) for s in data["result"]}

    def scalar(self, expr, at=None):
        values = self.vector(expr, at)
        if len(values) != 1:
            raise CheckFailed(f"expected one series, got {len(values)}: {expr}")
        return next(iter(values.values()))

    def range(self, expr, start, end, step):
        """The series of a range query: [{"metric": labels, "values": [[time, "value"], ...]}]."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step)}
        body = get_json(f"{self.url}/api/v1/query_range?" + urllib.parse.urlencode(params), timeout=30)
        if body.get("status") != "success":
            raise CheckFailed(f"range query failed: {body.get('error')}\n    {expr}")
        return body["data"]["result"]

    def alerts(self):
        return get_json(f"{self.url}/api/v1/alerts")["data"]["alerts"]


class Alertmanager:
    def __init__(self, url):
        self.url = url

    def alerts(self):
        """Every alert Alertmanager holds, inhibited and silenced ones included, with its status
        (state, inhibitedBy, silencedBy)."""
        return get_json(f"{self.url}/api/v2/alerts")


def wait_for(what, condition, timeout, interval=0.5):
    """Calls condition() until it returns something truthy, which is returned; CheckFailed after
    timeout seconds. Exceptions from condition count as "not yet" (the last one is reported)."""
    end = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except ProcessExited:
            raise
        except (OSError, ValueError, KeyError, CheckFailed) as error:
            last_error = error
        if time.monotonic() >= end:
            detail = f" (last error: {last_error})" if last_error else ""
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


# --- the webhook receiver Alertmanager notifies -----------------------------------------------


class Webhook:
    """An HTTP server on a free port of 127.0.0.1 recording Alertmanager's notifications with the
    path they were posted to: one path per receiver."""

    def __init__(self):
        self.notifications = []
        self.lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"unparsable": body.decode("utf-8", "replace")}
                with owner.lock:
                    owner.notifications.append((time.monotonic(), self.path, payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self, status=None, path=None, **labels):
        """The notified alerts (with the monotonic time they arrived) matching the status, the
        path (the receiver) and the labels."""
        found = []
        with self.lock:
            for arrived, posted_to, payload in self.notifications:
                if path and posted_to != path:
                    continue
                for alert in payload.get("alerts", []):
                    if status and alert.get("status") != status:
                        continue
                    if all(alert.get("labels", {}).get(k) == v for k, v in labels.items()):
                        found.append((arrived, alert))
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def parse_rfc3339(text):
    """Seconds since the epoch of Alertmanager's timestamps (2026-11-29T10:00:00.123456789Z)."""
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) + float(match.group(7) or 0)
    zone = match.group(8)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds
