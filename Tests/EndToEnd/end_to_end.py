#!/usr/bin/python3
"""End-to-end operator test of Breakwater's demo, dashboard, alert rules and alert routing.

Starts three breakwater-demo instances serving over mutual TLS (an exporter web configuration
file, certificates made by openssl), a real Prometheus scraping them every second with a client
certificate and Grafana/breakwater-alerts.yml, and a real Alertmanager running the shipped
Grafana/alertmanager.example.yml (its routes, receivers and inhibitions as they are; only the
webhook URLs point at this script, one path per receiver, and the grouping timers are 1 s), all on
127.0.0.1 with free ports. The demos: one whose payments dependency is down for 6 minutes, one that
runs the outage script once and is restarted mid-test, one flapping that is stopped for good. The
checks are what an operator relies on:

  1. promtool check rules / test rules pass on Grafana/breakwater-alerts*.yml;
  2. the demos, Prometheus and Alertmanager start and every target is up;
  3. the first open fires the warning BreakwaterCircuitOpened, which reaches the chat receiver
     (not the pager) with its runbook and dashboard links;
  4. every dashboard variable, panel and annotation query returns data from the three demos;
  5. the dashboard's aggregate queries count each circuit once per instance and sum the
     instances correctly;
  6. payments open for 5 minutes pages (BreakwaterCircuitOpen, critical) through the pager
     receiver only, inhibits the warning and error-ratio alerts of that circuit, and resolves
     5 minutes after the dependency recovers (keep_firing_for);
  7. the stopped demo fires BreakwaterExporterDown (chat), which inhibits its circuit alerts
     still firing from before (BreakwaterCircuitFlapping);
  8. across the restart, the dashboard's transition panels count exactly the opens the demo
     printed, before and after: none lost, none invented.

Prints a PASS or FAIL line per check and a summary with timings; exits 1 if any check fails.
Every process it starts runs in a process group of its own and is stopped (SIGTERM, then
SIGKILL) and its temporary directory removed, however the test ends. The whole run is bounded
by --time-limit. Only the standard library is used.

    Scripts/test-end-to-end          # builds the demo, then runs this
    /usr/bin/python3 Tests/EndToEnd/end_to_end.py --demo .build/debug/breakwater-demo
"""

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.join(REPO, "Grafana"))
import check_dashboard  # noqa: E402  (the repository's own dashboard checker)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from end_to_end_support import (  # noqa: E402
    Certificates,
    STOPPING_SIGNALS, Alertmanager, CheckFailed, Deadline, Processes, Prometheus, Webhook,
    free_ports, get_json, http_get, log, parse_rfc3339, tail, wait_for,
)

PAGE = "BreakwaterCircuitOpen"
OPENED = "BreakwaterCircuitOpened"
RATIO = "BreakwaterCallerErrorRatioHigh"
FLAPPING = "BreakwaterCircuitFlapping"
EXPORTER_DOWN = "BreakwaterExporterDown"
CIRCUITS = ["inventory", "payments", "recommendations", "search"]
CIRCUIT = "payments"  # the circuit every scenario of the demo breaks
DOWN_MINUTES = 6  # how long payments stays down on the first demo
DEMO_RATE = 20  # the demo's default calls per second to each dependency
ALERTMANAGER_EXAMPLE = os.path.join(REPO, "Grafana", "alertmanager.example.yml")


def shipped_alertmanager_config(webhook):
    """Grafana/alertmanager.example.yml with its webhook URLs pointed at `webhook` (the same paths:
    /page, /chat) and its grouping timers at 1 s, so notifications and their resolutions arrive
    within the test. Routes, matchers, receivers and inhibitions stay exactly as shipped."""
    with open(ALERTMANAGER_EXAMPLE, encoding="utf-8") as f:
        text = f.read()
    text, urls = re.subn(r"http://127\.0\.0\.1:5001(?=/)", webhook, text)
    text, timers = re.subn(r"^(\s*(?:group_wait|group_interval):) \S+$", r"\1 1s", text, flags=re.MULTILINE)
    if urls != 2 or timers < 2:
        raise CheckFailed(f"{ALERTMANAGER_EXAMPLE}: expected 2 webhook URLs on 127.0.0.1:5001 and the grouping "
                          f"timers, found {urls} URLs and {timers} timers")
    return text


# --- the test -------------------------------------------------------------------------------


class EndToEnd:
    def __init__(self, arguments):
        self.arguments = arguments
        self.results = []  # (name, passed, detail, seconds)
        self.timings = {}
        self.t0 = time.monotonic()
        self.demo_start = None
        self.test_start = None
        self.demo_started = {}

    def since_demo(self):
        return time.monotonic() - self.demo_start

    @contextlib.contextmanager
    def check(self, name):
        started = time.monotonic()
        holder = {"detail": ""}
        try:
            yield holder
        except (CheckFailed, AssertionError, OSError, ValueError, KeyError) as error:
            seconds = time.monotonic() - started
            self.results.append((name, False, str(error), seconds))
            log(f"FAIL: {name} ({seconds:.1f} s): {error}")
        else:
            seconds = time.monotonic() - started
            self.results.append((name, True, holder["detail"], seconds))
            log(f"PASS: {name} ({seconds:.1f} s){': ' + holder['detail'] if holder['detail'] else ''}")

    def failed(self, name):
        return any(n == name and not ok for n, ok, _, _ in self.results)

    def run(self, directory, processes, webhook):
        a = self.arguments
        rules = os.path.join(REPO, "Grafana", "breakwater-alerts.yml")
        rule_tests = os.path.join(REPO, "Grafana", "breakwater-alerts.test.yml")

        # 1. The rules parse and their unit tests pass.
        with self.check("1. promtool check rules + test rules") as c:
            for arguments in ([a.promtool, "check", "rules", rules], [a.promtool, "test", "rules", rule_tests]):
                done = subprocess.run(arguments, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, timeout=60)
                if done.returncode != 0:
                    raise CheckFailed(f"{' '.join(arguments[1:3])} exited {done.returncode}:\n"
                                      f"{tail(done.stdout.decode('utf-8', 'replace'))}")
            c["detail"] = "breakwater-alerts.yml valid, breakwater-alerts.test.yml passes"

        # 2. Three demos, Alertmanager with the shipped routing, Prometheus.
        demo_ports = free_ports(3)
        prometheus_port, alertmanager_port = free_ports(2)
        instances = [f"127.0.0.1:{port}" for port in demo_ports]
        down, restarted, stopped = instances
        prometheus = Prometheus(f"http://127.0.0.1:{prometheus_port}")
        alertmanager = Alertmanager(f"http://127.0.0.1:{alertmanager_port}")

        alertmanager_config = os.path.join(directory, "alertmanager.yml")
        with open(alertmanager_config, "w") as f:
            f.write(shipped_alertmanager_config(webhook.url))
        # Every demo serves over mutual TLS from an exporter web configuration file, and
        # Prometheus scrapes with the authority and a client certificate.
        certificates = Certificates(directory)
        web_config = os.path.join(directory, "web.yml")
        with open(web_config, "w") as f:
            f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                    "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n")
        client_certificate, client_key = certificates.client
        prometheus_config = os.path.join(directory, "prometheus.yml")
        with open(prometheus_config, "w") as f:
            json.dump({  # JSON is YAML
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
                "rule_files": [rules],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
                "scrape_configs": [{
                    "job_name": "breakwater", "scheme": "https",
                    "tls_config": {"ca_file": certificates.ca, "cert_file": client_certificate, "key_file": client_key},
                    "static_configs": [{"targets": instances}],
                }],
            }, f, indent=2)

        demo_arguments = {
            # payments fails from 10 s to 6 minutes: its circuit stays open long enough to page.
            # Its calls run in sampled spans, so its exposition carries exemplars.
            down: ["--scenario", "down", "--outage-cycles", str(DOWN_MINUTES), "--traces"],
            # the outage script once, then healthy; restarted mid-test, running it again.
            restarted: ["--outage-cycles", "1"],
            # payments opens every 10 s: flapping, until the process is stopped for good.
            stopped: ["--scenario", "flapping"],
        }

        def start_demo(name, instance):
            processes.start(name, [a.demo, "--host", "127.0.0.1", "--port", instance.rsplit(":", 1)[1],
                                   "--web.config.file", web_config] + demo_arguments[instance])
            return time.time()

        with self.check("2. demos over mutual TLS, Prometheus and Alertmanager (shipped routing) up, 3 targets scraped") as c:
            started = time.monotonic()
            for arguments in ([a.promtool, "check", "config", prometheus_config],
                              [a.promtool, "check", "web-config", web_config],
                              [a.amtool, "check-config", alertmanager_config]):
                done = subprocess.run(arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, timeout=60)
                if done.returncode != 0:
                    raise CheckFailed(f"{' '.join(arguments[:2])} rejects the configuration:\n"
                                      f"{tail(done.stdout.decode('utf-8', 'replace'))}")
            processes.start("alertmanager", [
                a.alertmanager, f"--config.file={alertmanager_config}",
                f"--storage.path={os.path.join(directory, 'alertmanager-data')}",
                f"--web.listen-address=127.0.0.1:{alertmanager_port}", "--cluster.listen-address=",
                "--log.level=warn"])
            self.test_start = time.time()
            self.demo_started = {}  # process name -> wall-clock start, for the transition log
            for index, instance in enumerate(instances):
                self.demo_started[f"demo-{index}"] = start_demo(f"demo-{index}", instance)
            self.demo_start = time.monotonic()
            processes.start("prometheus", [
                a.prometheus, f"--config.file={prometheus_config}",
                f"--storage.tsdb.path={os.path.join(directory, 'prometheus-data')}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}", "--enable-feature=exemplar-storage",
                "--log.level=warn"])

            def ready(url, context=None):
                processes.check_running()
                return http_get(url, timeout=2, context=context)[0] == 200

            mutual = certificates.client_context()
            for index, instance in enumerate(instances):
                wait_for(f"demo-{index} /metrics", lambda: ready(f"https://{instance}/metrics", mutual), 30)
            wait_for("Alertmanager /-/ready", lambda: ready(f"{alertmanager.url}/-/ready"), 30)
            wait_for("Prometheus /-/ready", lambda: ready(f"{prometheus.url}/-/ready"), 30)

            def targets_up():
                processes.check_running()
                targets = get_json(f"{prometheus.url}/api/v1/targets")["data"]["activeTargets"]
                up = sorted(t["labels"]["instance"] for t in targets if t["health"] == "up")
                return up == sorted(instances)

            wait_for("all 3 targets up in Prometheus", targets_up, 30)
            self.timings["startup (demos to all targets up)"] = time.monotonic() - started
            c["detail"] = (f"HTTPS with client certificates (web.yml passes promtool check web-config); "
                           f"demos on {down} (--scenario down), {restarted} (outage once, restarted later), "
                           f"{stopped} (flapping, stopped later); Alertmanager: {ALERTMANAGER_EXAMPLE}")
        if self.failed("2. demos over mutual TLS, Prometheus and Alertmanager (shipped routing) up, 3 targets scraped"):
            return  # nothing else can be checked

        # 3. A warning reaches the warning receiver: every open is seen, BreakwaterCircuitOpened.
        with self.check(f"3. {OPENED} (warning) for {CIRCUIT} reaches the chat receiver, not the pager") as c:
            notified = wait_for(f"{OPENED} at /chat", lambda: webhook.alerts(
                "firing", path="/chat", alertname=OPENED, circuit=CIRCUIT, instance=down), max(5.0, 90 - self.since_demo()))
            arrived = self.since_demo()
            severity = notified[0][1]["labels"].get("severity")
            paged = webhook.alerts(path="/page", alertname=OPENED)
            if severity != "warning" or paged:
                raise CheckFailed(f"severity {severity}, notifications to /page: {len(paged)}")
            annotations = notified[0][1].get("annotations", {})
            missing = [k for k in ("summary", "description", "runbook_url", "dashboard_url") if not annotations.get(k)]
            if missing:
                raise CheckFailed(f"annotations missing: {missing}")
            c["detail"] = f"{arrived:.1f} s after the demos started (payments fails from 10 s), with runbook and dashboard links"

        # 4 and 5 need a minute of data: the rate windows are 60 s, the annotation's step 1 minute.
        settle = a.dashboard_after - self.since_demo()
        if settle > 0:
            log(f"... waiting {settle:.0f} s for {a.dashboard_after:.0f} s of demo data")
            time.sleep(settle)
        processes.check_running()
        self.dashboard_checks(prometheus, instances)
        self.exemplar_check(prometheus, instances, traced=down)
        self.aggregate_checks(prometheus, instances)

        # The flapping demo stops for good: its target is down from now on.
        flapping_alerts = [x for x in prometheus.alerts()
                           if x["labels"].get("alertname") == FLAPPING and x["labels"].get("instance") == stopped
                           and x["state"] == "firing"]
        processes.stop("demo-2")
        stopped_at = self.since_demo()
        stopped_monotonic = time.monotonic()
        # The restarted demo ran its outage script once; it has been healthy since about 65 s.
        wait = a.restart_at - self.since_demo()
        if wait > 0:
            time.sleep(wait)
        processes.stop("demo-1")
        self.demo_started["demo-1b"] = start_demo("demo-1b", restarted)
        restarted_at = self.since_demo()
        log(f"... stopped {stopped} for good at {stopped_at:.0f} s, restarted {restarted} at {restarted_at:.0f} s")

        # 6. The page: payments on the down demo has been open for 5 minutes.
        def firing(alertname, instance, circuit=None):
            processes.check_running()
            return [x for x in prometheus.alerts()
                    if x["labels"].get("alertname") == alertname and x["labels"].get("instance") == instance
                    and (circuit is None or x["labels"].get("circuit") == circuit) and x["state"] == "firing"]

        paged_at = None
        with self.check(f"6a. {PAGE} (critical) fires once {CIRCUIT} has been open 5 minutes, reaches the pager only") as c:
            first_open = self.first_open(processes.log_of("demo-0"), "demo-0")
            wait_for(f"{PAGE} firing", lambda: firing(PAGE, down, CIRCUIT), max(5.0, a.page_by - self.since_demo()), 1.0)
            fired = time.time()
            notified = wait_for(f"{PAGE} at /page", lambda: webhook.alerts(
                "firing", path="/page", alertname=PAGE, circuit=CIRCUIT, instance=down), 30)
            paged_at = self.since_demo()
            chatted = webhook.alerts(path="/chat", alertname=PAGE)
            severity = notified[0][1]["labels"].get("severity")
            if severity != "critical" or chatted:
                raise CheckFailed(f"severity {severity}, notifications to /chat: {len(chatted)}")
            if first_open is None or fired - first_open < 300:
                raise CheckFailed(f"fired {fired - (first_open or 0):.0f} s after the first open, before 5 minutes")
            self.timings["first open -> page firing in Prometheus"] = fired - first_open
            c["detail"] = f"firing {fired - first_open:.0f} s after the circuit opened; paged at {paged_at:.0f} s"

        with self.check(f"6b. while {PAGE} fires, Alertmanager inhibits {OPENED} and {RATIO} of that circuit") as c:
            if paged_at is None:
                raise CheckFailed("never paged")

            def inhibited():
                found = {}
                for x in alertmanager.alerts():
                    labels = x["labels"]
                    if labels.get("instance") == down and labels.get("circuit") == CIRCUIT \
                            and labels.get("alertname") in (OPENED, RATIO):
                        found[labels["alertname"]] = x["status"]
                return found if OPENED in found and all(s["inhibitedBy"] for s in found.values()) else None

            statuses = wait_for(f"{OPENED} inhibited in Alertmanager", inhibited, 30)
            c["detail"] = ", ".join(f"{name} {s['state']} (inhibited by {len(s['inhibitedBy'])})" for name, s in sorted(statuses.items()))

        with self.check(f"6c. {PAGE} resolves when {CIRCUIT} recovers, and the pager hears it") as c:
            if paged_at is None:
                raise CheckFailed("never paged")
            # keep_firing_for holds the page 5 minutes past the circuit's close.
            wait_for(f"{PAGE} to resolve", lambda: not firing(PAGE, down, CIRCUIT),
                     max(5.0, DOWN_MINUTES * 60 + 360 - self.since_demo()), 1.0)
            resolved = self.since_demo()
            closed = self.first_close_after(processes.log_of("demo-0"), "demo-0", DOWN_MINUTES * 60)
            if closed is None or time.time() - closed < 295:
                raise CheckFailed(f"resolved {time.time() - (closed or 0):.0f} s after the circuit closed, "
                                  "before keep_firing_for's 5 minutes")
            wait_for("a resolved notification at /page", lambda: webhook.alerts(
                "resolved", path="/page", alertname=PAGE, circuit=CIRCUIT, instance=down), 30)
            c["detail"] = (f"resolved {resolved:.0f} s after the demos started, {time.time() - closed:.0f} s after "
                           f"payments closed (healthy from {DOWN_MINUTES * 60} s)")

        # 7. The stopped demo: BreakwaterExporterDown, and its circuit alerts inhibited.
        with self.check(f"7. {EXPORTER_DOWN} fires for the stopped target, reaches chat and inhibits its {FLAPPING}") as c:
            if not flapping_alerts:
                raise CheckFailed(f"{FLAPPING} was not firing for {stopped} before it stopped")
            notified = wait_for(f"{EXPORTER_DOWN} at /chat", lambda: webhook.alerts(
                "firing", path="/chat", alertname=EXPORTER_DOWN, instance=stopped),
                max(5.0, stopped_at + 360 - self.since_demo()), 1.0)

            def flapping_inhibited():
                return [x for x in alertmanager.alerts()
                        if x["labels"].get("alertname") == FLAPPING and x["labels"].get("instance") == stopped
                        and x["status"]["inhibitedBy"]]

            wait_for(f"{FLAPPING} of {stopped} inhibited", flapping_inhibited, 30)
            still = firing(FLAPPING, stopped)
            if not still:
                raise CheckFailed(f"{FLAPPING} no longer fires in Prometheus: nothing left to inhibit")
            c["detail"] = (f"notified {notified[0][0] - stopped_monotonic:.0f} s after the stop; {FLAPPING} still firing in Prometheus "
                           f"(15-minute window) and suppressed in Alertmanager")

        # 8. The restart: every open of the restarted demo, before and after, counted once.
        with self.check("8. across the restart the dashboard's transition panels count every open once") as c:
            quiet = restarted_at + a.restart_quiet - self.since_demo()
            if quiet > 0:
                time.sleep(quiet)
            self.restart_check(prometheus, processes, restarted, c)

        processes.check_running()

    def first_open(self, text, name):
        """Wall-clock time of the first transition into open of CIRCUIT in a demo's log."""
        match = re.search(rf"\[\s*([0-9.]+) s\] {CIRCUIT}: \S+ -> open ", text)
        return self.demo_started[name] + float(match.group(1)) if match else None

    def first_close_after(self, text, name, seconds):
        """Wall-clock time of CIRCUIT's first transition into closed after `seconds` of a demo's run."""
        for match in re.finditer(rf"\[\s*([0-9.]+) s\] {CIRCUIT}: \S+ -> closed ", text):
            if float(match.group(1)) >= seconds:
                return self.demo_started[name] + float(match.group(1))
        return None

    @staticmethod
    def opens_in_log(text):
        """{circuit: number of transitions into open} printed by a demo."""
        opens = {}
        for match in re.finditer(r"\[\s*[0-9.]+ s\] (\S+): \S+ -> open ", text):
            opens[match.group(1)] = opens.get(match.group(1), 0) + 1
        return opens

    def restart_check(self, prometheus, processes, instance, c):
        before = self.opens_in_log(processes.log_of("demo-1"))
        after = self.opens_in_log(processes.log_of("demo-1b"))
        expected = {circuit: before.get(circuit, 0) + after.get(circuit, 0) for circuit in CIRCUITS}
        if not any(after.values()) or not any(before.values()):
            raise CheckFailed(f"the demo opened no circuit before ({before}) or after ({after}) the restart")
        end = time.time() - 2  # every scrape up to here is stored
        start = self.test_start - 10
        step = 5
        span = int(math.ceil((end - start) / step)) * step
        variables = {"job": "breakwater", "instance": instance, "circuit": check_dashboard.ALL,
                     "__interval": f"{step}s", "__range": f"{span}s"}
        queries = dict(check_dashboard.panel_queries(check_dashboard.load(), variables))
        in_range = prometheus.scalar(queries["Opens in range"], end)
        counted = {}
        for series in prometheus.range(queries["Transitions per interval"], end - span, end, step):
            labels = series["metric"]
            if labels.get("to") == "open":
                counted[labels["circuit"]] = counted.get(labels["circuit"], 0) + sum(float(v) for _, v in series["values"])
        counted = {circuit: counted.get(circuit, 0) for circuit in CIRCUITS}
        if counted != expected or in_range != sum(expected.values()):
            raise CheckFailed(f"opens printed by the demo {expected} (before the restart {before}, after {after}); "
                              f"'Transitions per interval' counts {counted}, 'Opens in range' {in_range:g}")
        c["detail"] = (f"{sum(expected.values())} opens ({sum(before.values())} before the restart, "
                       f"{sum(after.values())} after): 'Opens in range' {in_range:g}, per circuit {counted}")

    def dashboard_checks(self, prometheus, instances):
        with self.check("4. every dashboard variable, panel and annotation query returns data from 3 demos") as c:
            dashboard = check_dashboard.load()
            problems = check_dashboard.check(dashboard)
            if problems:
                raise CheckFailed("dashboard structure: " + "; ".join(problems))
            variables = {"job": "breakwater", "instance": check_dashboard.ALL, "circuit": check_dashboard.ALL}
            empty = []
            for name, query in check_dashboard.variable_queries(dashboard, variables):
                values = check_dashboard.label_values(prometheus.url, query)
                expected = {"job": ["breakwater"], "instance": sorted(instances), "circuit": CIRCUITS}.get(name)
                if expected is not None and sorted(values) != expected:
                    empty.append(f"variable ${name} offers {values}, expected {expected}")
            # Range queries over the last minute, as Grafana draws them, so the annotation (an open
            # within its 1-minute step) does not depend on the moment the check runs. The range
            # ends now and spans whole steps: its last point sees a minute of data behind it.
            range_seconds = 60
            queries = check_dashboard.queries_with_steps(dashboard, variables)
            for title, expr, step in queries:
                count = check_dashboard.run_query(prometheus.url, expr, range_seconds,
                                                  check_dashboard.duration_seconds(step))
                if count == 0:
                    empty.append(f"{title}: no data\n        {' '.join(expr.split())}")
            if empty:
                raise CheckFailed(f"{len(empty)} of {len(queries)} queries wrong:\n    " + "\n    ".join(empty))
            c["detail"] = f"{len(queries)} queries over the last {range_seconds} s, 3 variables"

    def exemplar_check(self, prometheus, instances, traced):
        """The latency panel's query, asked for exemplars as Grafana asks: those of the traced demo."""
        with self.check("4b. the latency panel's exemplars: trace and span IDs of the traced demo's calls") as c:
            dashboard = check_dashboard.load()
            panel = next(p for p in dashboard["panels"] if p.get("title") == "Call latency p99")
            if not all(t.get("exemplar") for t in panel["targets"]):
                raise CheckFailed("the panel does not ask for exemplars")
            variables = {"job": "breakwater", "instance": check_dashboard.ALL, "circuit": check_dashboard.ALL}
            expr = next(e for title, e, _ in check_dashboard.queries_with_steps(dashboard, variables)
                        if title == "Call latency p99")
            now = time.time()
            series = get_json(f"{prometheus.url}/api/v1/query_exemplars?" + urllib.parse.urlencode(
                {"query": expr, "start": now - 120, "end": now}))["data"]
            exemplars = [(x["seriesLabels"], e) for x in series for e in x["exemplars"]]
            if not exemplars:
                raise CheckFailed("Prometheus returned no exemplar for the panel's query")
            hexes = re.compile(r"[0-9a-f]+")
            wrong = [(labels, e) for labels, e in exemplars
                     if labels.get("instance") != traced or set(e["labels"]) != {"trace_id", "span_id"}
                     or len(e["labels"]["trace_id"]) != 32 or len(e["labels"]["span_id"]) != 16
                     or not hexes.fullmatch(e["labels"]["trace_id"] + e["labels"]["span_id"])]
            if wrong:
                raise CheckFailed(f"{len(wrong)} of {len(exemplars)} exemplars wrong, first: {wrong[0]}")
            circuits = sorted({labels["circuit"] for labels, _ in exemplars})
            c["detail"] = (f"{len(exemplars)} exemplars over the last 2 minutes, all from {traced}, "
                           f"circuits {circuits}, e.g. trace_id {exemplars[0][1]['labels']['trace_id']}")

    def aggregate_checks(self, prometheus, instances):
        """The dashboard's aggregate queries over all instances against per-instance answers."""
        dashboard = check_dashboard.load()
        every = {"job": "breakwater", "instance": check_dashboard.ALL, "circuit": check_dashboard.ALL}

        def panel(title, instance=None):
            variables = dict(every)
            if instance:
                variables["instance"] = instance
            for t, expr in check_dashboard.panel_queries(dashboard, variables):
                if t == title:
                    return expr
            raise CheckFailed(f"no panel query titled {title!r}")

        # All answers at one evaluation time a few seconds back, so every scrape up to it is stored
        # and the per-instance queries see exactly the data the aggregate saw.
        at = time.time() - 3

        def close(x, y):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)

        with self.check("5a. 'Circuits' stat counts distinct circuits: 4, and 4 per instance") as c:
            total = prometheus.scalar(panel("Circuits"), at)
            each = [prometheus.scalar(panel("Circuits", i), at) for i in instances]
            if total != len(CIRCUITS) or each != [len(CIRCUITS)] * 3:
                raise CheckFailed(f"all instances: {total}, per instance: {each}; expected {len(CIRCUITS)}")
            c["detail"] = f"all instances {total:g}, per instance {[int(x) for x in each]}"

        with self.check("5b. one state per circuit per instance: 12 rows by instance, 'Circuit state' the worst of each circuit") as c:
            selector = 'circuit_breaker_state{job="breakwater"}'
            ones = prometheus.scalar(f"count({selector} == 1)", at)
            by_instance = prometheus.vector(panel("$circuit: state by instance"), at)
            worst = prometheus.vector(panel("Circuit state"), at)
            table = prometheus.vector(panel("Circuits now [A]"), at)
            keys = {(dict(k)["instance"], dict(k)["circuit"]) for k in by_instance}
            expected = {(i, circuit) for i in instances for circuit in CIRCUITS}
            # The timeline shows each circuit's worst state over the instances.
            worst_expected = {}
            for key, code in by_instance.items():
                circuit = dict(key)["circuit"]
                worst_expected[circuit] = max(worst_expected.get(circuit, code), code)
            worst_got = {dict(k)["circuit"]: v for k, v in worst.items()}
            states = {"Open": 5, "Half-open": 3, "Forced open": 4}
            stat_mismatch = []
            for title, code in states.items():
                # Each state stat equals the per-instance rows in that state, and the per-instance sum.
                stat = prometheus.scalar(panel(title), at)
                per_instance = sum(prometheus.scalar(panel(title, i), at) for i in instances)
                in_rows = sum(1 for v in by_instance.values() if v == code)
                if not (stat == per_instance == in_rows):
                    stat_mismatch.append(f"{title}: {stat:g} all, {per_instance:g} summed per instance, {in_rows} rows")
            if ones != 12 or len(by_instance) != 12 or keys != expected or len(table) != 12 or stat_mismatch \
                    or worst_got != worst_expected:
                raise CheckFailed(f"state==1 series {ones:g}, rows by instance {len(by_instance)}, table rows {len(table)}, "
                                  f"missing {sorted(expected - keys)}, extra {sorted(keys - expected)}; "
                                  f"worst per circuit {worst_got}, expected {worst_expected}; {'; '.join(stat_mismatch)}")
            counts = {title: int(prometheus.scalar(panel(title), at)) for title in states}
            c["detail"] = (f"12 == 3 instances x 4 circuits, 'Circuit state' {worst_got}; now {counts}, "
                           f"equal to the rows and the per-instance sums")

        with self.check("5c. 'Calls by outcome' sums instances: each series equals the per-instance sum; total ~ 3 x 4 x rate") as c:
            title = "Calls by outcome"
            total = prometheus.vector(panel(title), at)
            summed = {}
            for instance in instances:
                for key, value in prometheus.vector(panel(title, instance), at).items():
                    summed[key] = summed.get(key, 0.0) + value
                # The same by hand for the instance, from the raw counter: nothing else feeds it.
                raw = prometheus.scalar(f'sum(rate(circuit_breaker_calls_total{{job="breakwater", instance="{instance}"}}[60s]))', at)
                dashboard_instance = sum(prometheus.vector(panel(title, instance), at).values())
                if not close(raw, dashboard_instance):
                    raise CheckFailed(f"{instance}: dashboard {dashboard_instance} calls/s, raw counter {raw}")
            wrong = [f"{dict(k)}: {total.get(k)} vs {summed.get(k)}" for k in set(total) | set(summed)
                     if k not in total or k not in summed or not close(total[k], summed[k])]
            if wrong:
                raise CheckFailed("aggregate differs from the per-instance sum: " + "; ".join(sorted(wrong)))
            calls = sum(total.values())
            expected = 3 * len(CIRCUITS) * DEMO_RATE
            # The demo aims at 20 calls/s per circuit; its sleep between calls makes it a little less.
            if not 0.6 * expected <= calls <= 1.1 * expected:
                raise CheckFailed(f"{calls:.1f} calls/s in total, expected about {expected} (3 instances x 4 circuits x {DEMO_RATE}/s)")
            c["detail"] = f"{len(total)} series, {calls:.1f} calls/s in total (nominal {expected})"

        with self.check("5d. 'Rejected calls/s' stat and latency p99 aggregate over instances") as c:
            stat = prometheus.scalar(panel("Rejected calls/s"), at)
            per_instance = [prometheus.scalar(panel("Rejected calls/s", i), at) for i in instances]
            per_circuit = prometheus.vector(panel("Rejected calls"), at)
            if not close(stat, sum(per_instance)) or not close(stat, sum(per_circuit.values())):
                raise CheckFailed(f"stat {stat}, sum per instance {sum(per_instance)}, sum per circuit {sum(per_circuit.values())}")
            # One latency series per circuit (the histogram summed over instances before the
            # quantile), each between the fastest and the slowest instance's quantile.
            p99 = prometheus.vector(panel("Call latency p99"), at)
            if sorted(dict(k)["circuit"] for k in p99) != CIRCUITS:
                raise CheckFailed(f"p99 series: {[dict(k) for k in p99]}, expected one per circuit")
            for key, value in p99.items():
                circuit = dict(key)["circuit"]
                values = [v for i in instances for k, v in prometheus.vector(panel("Call latency p99", i), at).items()
                          if dict(k)["circuit"] == circuit and not math.isnan(v)]
                if values and not (min(values) - 1e-9 <= value <= max(values) + 1e-9):
                    raise CheckFailed(f"{circuit} p99 {value} outside the instances' {min(values)}..{max(values)}")
            c["detail"] = (f"{stat:.2f} rejected/s == per-instance sum {sum(per_instance):.2f} == per-circuit sum; "
                           f"p99 one series per circuit, within the instances' range")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", required=True, help="the breakwater-demo binary")
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    parser.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    parser.add_argument("--promtool", default="/usr/bin/promtool")
    parser.add_argument("--amtool", default="/usr/bin/amtool")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds for the whole run (default 900)")
    parser.add_argument("--dashboard-after", type=float, default=80,
                        help="seconds of demo run before the dashboard checks (default 80)")
    parser.add_argument("--page-by", type=float, default=DOWN_MINUTES * 60 - 10,
                        help="seconds after the demos started by which the page must fire (default "
                             f"{DOWN_MINUTES * 60 - 10}; expected about 315: the first open near 12 s plus the rule's 5 minutes)")
    parser.add_argument("--restart-at", type=float, default=100,
                        help="seconds after the demos started at which the second demo restarts (default 100: "
                             "its outage script's transitions end near 65 s)")
    parser.add_argument("--restart-quiet", type=float, default=100,
                        help="seconds after the restart by which the restarted demo's transitions are over (default 100)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data) for a look")
    arguments = parser.parse_args()
    for tool in ("demo", "prometheus", "alertmanager", "promtool", "amtool"):
        path = getattr(arguments, tool)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            log(f"FAIL: {tool} binary {path} is missing or not executable")
            return 1
    arguments.demo = os.path.abspath(arguments.demo)

    def interrupted(number, _frame):
        raise Deadline(f"stopped by signal {signal.Signals(number).name}")

    def over_time(_number, _frame):
        raise Deadline(f"over the time limit of {arguments.time_limit:.0f} s")

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, interrupted)
    signal.signal(signal.SIGALRM, over_time)
    signal.setitimer(signal.ITIMER_REAL, arguments.time_limit)

    test = EndToEnd(arguments)
    directory = processes = webhook = None
    aborted = None
    try:
        directory = tempfile.mkdtemp(prefix="breakwater-e2e-")
        processes = Processes(directory)
        webhook = Webhook()
        log(f"end-to-end: demo {arguments.demo}, work directory {directory}")
        test.run(directory, processes, webhook)
    except Deadline as error:
        aborted = str(error)
        log(f"FAIL: run aborted: {aborted}")
    finally:
        # Nothing may interrupt the cleanup.
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)
        failed_any = aborted is not None or any(not ok for _, ok, _, _ in test.results)
        if processes is not None:
            if failed_any:
                for name, _, _ in processes.started:
                    log(f"--- last lines of {name}'s output:\n{tail(processes.log_of(name))}")
            processes.stop_all()
        if webhook is not None:
            webhook.close()
        if directory is not None:
            if arguments.keep:
                log(f"kept {directory}")
            else:
                shutil.rmtree(directory, ignore_errors=True)

    total = time.monotonic() - test.t0
    passed = sum(1 for _, ok, _, _ in test.results if ok)
    log("")
    log("== summary")
    for name, ok, _, seconds in test.results:
        log(f"{'PASS' if ok else 'FAIL'}  {seconds:6.1f} s  {name}")
    if aborted:
        log(f"FAIL  run aborted: {aborted}")
    log("timings:")
    for name, seconds in test.timings.items():
        log(f"  {seconds:6.1f} s  {name}")
    log(f"  {total:6.1f} s  whole run (limit {arguments.time_limit:.0f} s)")
    ok = not aborted and passed == len(test.results) and len(test.results) > 0
    expected_checks = 14
    if ok and len(test.results) != expected_checks:
        log(f"FAIL  {len(test.results)} checks ran, not {expected_checks}")
        ok = False
    log(f"end-to-end: {'PASS' if ok else 'FAIL'} ({passed} of {len(test.results)} checks passed, {total:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
