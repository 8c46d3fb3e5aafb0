#!/usr/bin/env python3
"""Prints breakwater-dashboard.test.yml with the dashboard's own queries filled in.

The test file names each query by a placeholder ($TRANSITIONS_PER_INTERVAL, $OPENS_IN_RANGE, ...);
this takes the query from breakwater-dashboard.json (panels inside collapsed and repeated rows
included), substitutes the variables the way check_dashboard.py does (every variable matching all
unless the placeholder says otherwise, $__interval 1m, $__rate_interval 4m, $__range 30m), and writes
the result for promtool: the tests always run the queries the dashboard ships. Scripts/check-rules
runs it.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ left in Grafana/ by the import below

import check_dashboard  # noqa: E402  (substitutes variables the way Grafana does)

VARIABLES = {"__interval": "1m", "__interval_ms": "60000", "__rate_interval": "4m", "__range": "30m",
             "__range_s": "1800", "__range_ms": "1800000", "job": ".*", "instance": ".*", "circuit": ".*"}

# placeholder: (panel title, refId, variables other than VARIABLES[, wrapper]); a title of None is the
# annotation. A wrapper puts the query into a larger expression, {q} standing for it: promtool compares
# values exactly and NaN equals nothing, so a NaN is tested as `q != bool q`, which is 1 for NaN only,
# and the other values as `q == q`, which drops the NaN.
QUERIES = {
    "$TRANSITIONS_PER_INTERVAL": ("Transitions per interval", "A", {}),
    "$CIRCUIT_OPENED": (None, None, {}),
    "$OPENS_IN_RANGE": ("Opens in range", "A", {}),
    "$CIRCUIT_STATE": ("Circuit state", "A", {}),
    "$ERROR_RATIO": ("Error ratio callers see", "A", {}),
    "$FAILURE_SHARE": ("Failure rate, share of threshold", "A", {}),
    "$WINDOW_FILL": ("Window fill, share of minimum calls", "A", {}),
    "$LATENCY_P99": ("Call latency p99", "A", {}),
    "$LATENCY_P99_IS_NAN": ("Call latency p99", "A", {}, "({q}) != bool ({q})"),
    "$LATENCY_P99_NUMBERS": ("Call latency p99", "A", {}, "({q}) == ({q})"),
    # A repeated row's panel runs with one circuit, as Grafana runs each repeat.
    "$ROW_LATENCY_P50": ("$circuit: latency p50 / p95 / p99 / mean", "A", {"circuit": ["payments"]}),
    "$ROW_LATENCY_MEAN": ("$circuit: latency p50 / p95 / p99 / mean", "D", {"circuit": ["payments"]}),
    "$FIRING_ALERTS_PAYMENTS": ("Firing alerts", "A", {"circuit": ["payments"], "instance": ["10.0.0.1:9465"]}),
}


def queries(dashboard):
    found = {}
    panels = {p.get("title"): p for p in check_dashboard.all_panels(dashboard)}
    for placeholder, (title, ref, variables, *wrapper) in QUERIES.items():
        if title is None:
            expr = next(a for a in dashboard["annotations"]["list"] if a.get("name") == "Circuit opened")["expr"]
        else:
            expr = next(t for t in panels[title]["targets"] if t.get("refId") == ref)["expr"]
        expr = check_dashboard.substitute(expr, {**VARIABLES, **variables})
        found[placeholder] = wrapper[0].format(q=expr) if wrapper else expr
    return found


def main():
    with open(os.path.join(HERE, "breakwater-dashboard.json"), encoding="utf-8") as file:
        dashboard = json.load(file)
    with open(os.path.join(HERE, "breakwater-dashboard.test.yml"), encoding="utf-8") as file:
        tests = file.read()
    # Longest first, so that no placeholder is replaced inside a longer one.
    for placeholder, expr in sorted(queries(dashboard).items(), key=lambda item: -len(item[0])):
        # A YAML string on one line, double-quoted, so the query needs no indentation.
        tests = tests.replace(placeholder, json.dumps(" ".join(expr.split())))
    sys.stdout.write(tests)


if __name__ == "__main__":
    main()
