#!/usr/bin/python3
"""End-to-end operator test of Breakwater's demo, dashboard and alert rules.

Starts three breakwater-demo instances, a real Prometheus scraping them every second with
Grafana/breakwater-alerts.yml, and a real Alertmanager with a webhook receiver served by this
script, all on 127.0.0.1 with free ports, and checks what an operator relies on:

  1. promtool check rules / test rules pass on Grafana/breakwater-alerts*.yml;
  2. the demos, Prometheus and Alertmanager start and every target is up;
  3. every dashboard panel and annotation query returns data once the demo has run ~80 s;
  4. the demo's outage fires BreakwaterCircuitOpen for payments in Prometheus, it reaches
     Alertmanager, and it resolves once the circuit has closed (the watched instance runs
     the outage script once: --outage-cycles 1), in both Prometheus and Alertmanager;
  5. the dashboard's aggregate queries count each circuit once per instance and sum the
     instances correctly.

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
    STOPPING_SIGNALS, CheckFailed, Deadline, Processes, Prometheus, Webhook,
    free_ports, get_json, http_get, log, parse_rfc3339, tail, wait_for,
)

ALERT = "BreakwaterCircuitOpen"
CIRCUITS = ["inventory", "payments", "recommendations", "search"]
WATCHED_CIRCUIT = "payments"
DEMO_RATE = 20  # the demo's default calls per second to each dependency


# --- the test -------------------------------------------------------------------------------


class EndToEnd:
    def __init__(self, arguments):
        self.arguments = arguments
        self.results = []  # (name, passed, detail, seconds)
        self.timings = {}
        self.t0 = time.monotonic()
        self.demo_start = None

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

        # 2. Three demos, Alertmanager and Prometheus.
        demo_ports = free_ports(3)
        prometheus_port, alertmanager_port = free_ports(2)
        instances = [f"127.0.0.1:{port}" for port in demo_ports]
        watched = instances[0]  # runs the outage once, then stays healthy
        self.watched = watched
        prometheus = Prometheus(f"http://127.0.0.1:{prometheus_port}")
        alertmanager = f"http://127.0.0.1:{alertmanager_port}"

        alertmanager_config = os.path.join(directory, "alertmanager.yml")
        with open(alertmanager_config, "w") as f:
            json.dump({  # JSON is YAML
                "route": {"receiver": "webhook", "group_by": ["alertname", "job", "instance", "circuit"],
                          "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
                "receivers": [{"name": "webhook", "webhook_configs": [{"url": webhook.url, "send_resolved": True}]}],
            }, f, indent=2)
        prometheus_config = os.path.join(directory, "prometheus.yml")
        with open(prometheus_config, "w") as f:
            json.dump({
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
                "rule_files": [rules],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
                "scrape_configs": [{"job_name": "breakwater", "static_configs": [{"targets": instances}]}],
            }, f, indent=2)

        with self.check("2. demos, Prometheus and Alertmanager up, 3 targets scraped") as c:
            started = time.monotonic()
            for arguments in ([a.promtool, "check", "config", prometheus_config],
                              [a.amtool, "check-config", alertmanager_config]):
                done = subprocess.run(arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, timeout=60)
                if done.returncode != 0:
                    raise CheckFailed(f"{' '.join(arguments[:2])} rejects the generated configuration:\n"
                                      f"{tail(done.stdout.decode('utf-8', 'replace'))}")
            processes.start("alertmanager", [
                a.alertmanager, f"--config.file={alertmanager_config}",
                f"--storage.path={os.path.join(directory, 'alertmanager-data')}",
                f"--web.listen-address=127.0.0.1:{alertmanager_port}", "--cluster.listen-address=",
                "--log.level=warn"])
            for index, port in enumerate(demo_ports):
                extra = ["--outage-cycles", "1"] if index == 0 else []
                processes.start(f"demo-{index}", [a.demo, "--host", "127.0.0.1", "--port", str(port)] + extra)
            self.demo_start = time.monotonic()
            processes.start("prometheus", [
                a.prometheus, f"--config.file={prometheus_config}",
                f"--storage.tsdb.path={os.path.join(directory, 'prometheus-data')}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}", "--log.level=warn"])

            def ready(url):
                processes.check_running()
                return http_get(url, timeout=2)[0] == 200

            for index, instance in enumerate(instances):
                wait_for(f"demo-{index} /metrics", lambda: ready(f"http://{instance}/metrics"), 30)
            wait_for("Alertmanager /-/ready", lambda: ready(f"{alertmanager}/-/ready"), 30)
            wait_for("Prometheus /-/ready", lambda: ready(f"{prometheus.url}/-/ready"), 30)

            def targets_up():
                processes.check_running()
                targets = get_json(f"{prometheus.url}/api/v1/targets")["data"]["activeTargets"]
                up = sorted(t["labels"]["instance"] for t in targets if t["health"] == "up")
                return up == sorted(instances)

            wait_for("all 3 targets up in Prometheus", targets_up, 30)
            self.timings["startup (demos to all targets up)"] = time.monotonic() - started
            c["detail"] = f"demos on {', '.join(instances)} ({watched} with --outage-cycles 1)"
        if self.failed("2. demos, Prometheus and Alertmanager up, 3 targets scraped"):
            return  # nothing else can be checked

        # 4a. The outage opens payments: the alert fires in Prometheus...
        def firing_in_prometheus(instance=watched):
            processes.check_running()
            return [x for x in prometheus.alerts()
                    if x["labels"].get("alertname") == ALERT and x["labels"].get("circuit") == WATCHED_CIRCUIT
                    and x["labels"].get("instance") == instance and x["state"] == "firing"]

        fired_at = None
        with self.check(f"4a. {ALERT} fires in Prometheus for {WATCHED_CIRCUIT} on {watched}") as c:
            # payments fails from 10 s: the circuit opens a second or two later.
            wait_for(f"{ALERT} firing", firing_in_prometheus, max(5.0, 60 - self.since_demo()))
            fired_at = self.since_demo()
            self.timings["alert firing in Prometheus, after demo start"] = fired_at
            c["detail"] = f"{fired_at:.1f} s after the demo started (outage begins at 10 s)"

        # 4b. ... and reaches Alertmanager.
        def in_alertmanager():
            query = urllib.parse.urlencode([("filter", f'alertname="{ALERT}"'), ("filter", f'circuit="{WATCHED_CIRCUIT}"'),
                                            ("filter", f'instance="{watched}"')])
            return [x for x in get_json(f"{alertmanager}/api/v2/alerts?{query}")
                    if x["labels"].get("circuit") == WATCHED_CIRCUIT]

        with self.check(f"4b. {ALERT} reaches Alertmanager with circuit={WATCHED_CIRCUIT}") as c:
            if fired_at is None:
                raise CheckFailed("not fired in Prometheus")
            alerts = wait_for("the alert in Alertmanager's /api/v2/alerts", in_alertmanager, 30)
            arrived = self.since_demo()
            state = alerts[0]["status"]["state"]
            if state != "active":
                raise CheckFailed(f"alert is {state}, not active: {alerts[0]}")
            wait_for("a firing webhook notification", lambda: webhook.alerts(
                "firing", alertname=ALERT, circuit=WATCHED_CIRCUIT, instance=watched), 30)
            notified = self.since_demo()
            self.timings["Prometheus firing -> Alertmanager lists it"] = arrived - fired_at
            self.timings["Prometheus firing -> webhook notified"] = notified - fired_at
            c["detail"] = (f"listed {arrived - fired_at:.1f} s after firing (state {state}), "
                           f"webhook notified after {notified - fired_at:.1f} s")

        # 3 and 5 need a minute of data: the rate windows are 60 s, the annotation's step 1 minute.
        settle = a.dashboard_after - self.since_demo()
        if settle > 0:
            log(f"... waiting {settle:.0f} s for {a.dashboard_after:.0f} s of demo data")
            time.sleep(settle)
        processes.check_running()

        # 3. Every dashboard query returns data.
        with self.check("3. every dashboard variable, panel and annotation query returns data") as c:
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

        # 5. Aggregates over the three instances.
        self.aggregate_checks(prometheus, instances)

        # 4c. The watched instance's payments healed at 30 s: once the last open is 2 minutes
        # old the alert resolves.
        resolved_at = None
        with self.check(f"4c. {ALERT} resolves in Prometheus after {WATCHED_CIRCUIT} closes") as c:
            if fired_at is None:
                raise CheckFailed("never fired")

            def not_firing():
                return not firing_in_prometheus()

            wait_for(f"{ALERT} to resolve in Prometheus", not_firing, max(5.0, a.resolve_by - self.since_demo()), 1.0)
            resolved_at = self.since_demo()
            closed = prometheus.scalar(
                f'circuit_breaker_state{{job="breakwater", instance="{watched}", circuit="{WATCHED_CIRCUIT}", state="closed"}}')
            if closed != 1:
                raise CheckFailed(f"resolved while the circuit is not closed (closed gauge {closed})")
            last_open = self.last_open_in_demo_log(processes.log_of("demo-0"))
            after_open = f", {resolved_at - last_open:.1f} s after its last open at {last_open:.1f} s" if last_open else ""
            self.timings["alert resolved in Prometheus, after demo start"] = resolved_at
            if last_open:
                self.timings["last open -> resolved in Prometheus (rule window 2m)"] = resolved_at - last_open
            c["detail"] = f"{resolved_at:.1f} s after the demo started{after_open}; circuit closed"

        with self.check(f"4d. Alertmanager resolves {ALERT} and notifies the webhook") as c:
            if resolved_at is None:
                raise CheckFailed("never resolved in Prometheus")

            def gone_from_alertmanager():
                now = time.time()
                for x in in_alertmanager():
                    ends = x.get("endsAt")
                    if not ends or parse_rfc3339(ends) > now:
                        return False
                return True

            wait_for("Alertmanager to drop or end the alert", gone_from_alertmanager, 30)
            am_resolved = self.since_demo()
            wait_for("a resolved webhook notification", lambda: webhook.alerts(
                "resolved", alertname=ALERT, circuit=WATCHED_CIRCUIT, instance=watched), 30)
            notified = self.since_demo()
            still_firing = [i for i in instances[1:] if firing_in_prometheus(i)]
            self.timings["Prometheus resolved -> Alertmanager resolved"] = am_resolved - resolved_at
            self.timings["Prometheus resolved -> webhook resolved notification"] = notified - resolved_at
            c["detail"] = (f"gone from /api/v2/alerts {am_resolved - resolved_at:.1f} s and resolved notification "
                           f"{notified - resolved_at:.1f} s after Prometheus resolved; "
                           f"the repeating instances still firing: {len(still_firing)} of 2")

        processes.check_running()

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

        with self.check("5b. one state per circuit per instance: 12 state series, 12 rows in 'Circuit state'") as c:
            selector = 'circuit_breaker_state{job="breakwater"}'
            ones = prometheus.scalar(f"count({selector} == 1)", at)
            timeline = prometheus.vector(panel("Circuit state"), at)
            table = prometheus.vector(panel("Circuits now [A]"), at)
            keys = {(dict(k)["instance"], dict(k)["circuit"]) for k in timeline}
            expected = {(i, circuit) for i in instances for circuit in CIRCUITS}
            states = {"Open": 2, "Half-open": 1, "Forced open": 3}
            stat_mismatch = []
            for title, code in states.items():
                # Each state stat equals the timeline's count of that state, and the per-instance sum.
                stat = prometheus.scalar(panel(title), at)
                per_instance = sum(prometheus.scalar(panel(title, i), at) for i in instances)
                in_timeline = sum(1 for v in timeline.values() if v == code)
                if not (stat == per_instance == in_timeline):
                    stat_mismatch.append(f"{title}: {stat:g} all, {per_instance:g} summed per instance, {in_timeline} in the timeline")
            if ones != 12 or len(timeline) != 12 or keys != expected or len(table) != 12 or stat_mismatch:
                raise CheckFailed(f"state==1 series {ones:g}, timeline rows {len(timeline)}, table rows {len(table)}, "
                                  f"missing {sorted(expected - keys)}, extra {sorted(keys - expected)}; {'; '.join(stat_mismatch)}")
            counts = {title: int(prometheus.scalar(panel(title), at)) for title in states}
            c["detail"] = f"12 == 3 instances x 4 circuits; now {counts}, equal to the timeline and the per-instance sums"

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

        with self.check("5d. 'Rejected calls/s' stat and latency p50 aggregate over instances") as c:
            stat = prometheus.scalar(panel("Rejected calls/s"), at)
            per_instance = [prometheus.scalar(panel("Rejected calls/s", i), at) for i in instances]
            per_circuit = prometheus.vector(panel("Rejected calls"), at)
            if not close(stat, sum(per_instance)) or not close(stat, sum(per_circuit.values())):
                raise CheckFailed(f"stat {stat}, sum per instance {sum(per_instance)}, sum per circuit {sum(per_circuit.values())}")
            # One latency series per circuit (the histogram summed over instances before the
            # quantile), each between the fastest and the slowest instance's quantile.
            p50 = prometheus.vector(panel("Call latency p50 / p95 / p99 [A]"), at)
            if sorted(dict(k)["circuit"] for k in p50) != CIRCUITS:
                raise CheckFailed(f"p50 series: {[dict(k) for k in p50]}, expected one per circuit")
            for key, value in p50.items():
                circuit = dict(key)["circuit"]
                values = [v for i in instances for k, v in prometheus.vector(panel("Call latency p50 / p95 / p99 [A]", i), at).items()
                          if dict(k)["circuit"] == circuit and not math.isnan(v)]
                if values and not (min(values) - 1e-9 <= value <= max(values) + 1e-9):
                    raise CheckFailed(f"{circuit} p50 {value} outside the instances' {min(values)}..{max(values)}")
            c["detail"] = (f"{stat:.2f} rejected/s == per-instance sum {sum(per_instance):.2f} == per-circuit sum; "
                           f"p50 one series per circuit, within the instances' range")

    @staticmethod
    def last_open_in_demo_log(text):
        """Seconds since the demo started of the watched circuit's last transition into open."""
        last = None
        for match in re.finditer(rf"\[\s*([0-9.]+) s\] {WATCHED_CIRCUIT}: \S+ -> open ", text):
            last = float(match.group(1))
        return last


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", required=True, help="the breakwater-demo binary")
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    parser.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    parser.add_argument("--promtool", default="/usr/bin/promtool")
    parser.add_argument("--amtool", default="/usr/bin/amtool")
    parser.add_argument("--time-limit", type=float, default=330, help="seconds for the whole run (default 330)")
    parser.add_argument("--dashboard-after", type=float, default=80,
                        help="seconds of demo run before the dashboard checks (default 80)")
    parser.add_argument("--resolve-by", type=float, default=240,
                        help="seconds after the demo started by which the alert must have resolved (default 240; "
                             "expected about 150: the last open near 30 s plus the rule's 2-minute window)")
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
    expected_checks = 11
    if ok and len(test.results) != expected_checks:
        log(f"FAIL  only {len(test.results)} of {expected_checks} checks ran")
        ok = False
    log(f"end-to-end: {'PASS' if ok else 'FAIL'} ({passed} of {len(test.results)} checks passed, {total:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
