#!/usr/bin/env python3
"""Prints breakwater-dashboard.test.yml with the dashboard's own transition queries filled in.

The test file names each query by a placeholder ($TRANSITIONS_PER_INTERVAL, $CIRCUIT_OPENED);
this takes the query from breakwater-dashboard.json, sets every variable to match all, $__interval
to 1m and $__range to 30m, and writes the result for promtool: the tests always run the queries
the dashboard ships. Scripts/check-rules runs it.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VARIABLES = {"$__interval": "1m", "$__range": "30m", "$job": ".*", "$instance": ".*", "$circuit": ".*"}


def substituted(expr):
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


def queries(dashboard):
    panel = next(p for p in dashboard["panels"] if p.get("title") == "Transitions per interval")
    annotation = next(a for a in dashboard["annotations"]["list"] if a.get("name") == "Circuit opened")
    return {
        "$TRANSITIONS_PER_INTERVAL": panel["targets"][0]["expr"],
        "$CIRCUIT_OPENED": annotation["expr"],
    }


def main():
    with open(os.path.join(HERE, "breakwater-dashboard.json")) as file:
        dashboard = json.load(file)
    with open(os.path.join(HERE, "breakwater-dashboard.test.yml")) as file:
        tests = file.read()
    for placeholder, expr in queries(dashboard).items():
        # A YAML string on one line, double-quoted, so the query needs no indentation.
        tests = tests.replace(placeholder, json.dumps(" ".join(substituted(expr).split())))
    sys.stdout.write(tests)


if __name__ == "__main__":
    main()
