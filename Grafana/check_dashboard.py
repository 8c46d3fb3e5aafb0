#!/usr/bin/env python3
"""Checks Grafana/breakwater-dashboard.json without a Grafana.

Loads the dashboard, checks what the import screen and the panels depend on (inputs, requirements,
template variables, unique panel ids, the data source variable everywhere, every selector filtered
by the dashboard's variables), and substitutes the template variables in every panel's and
annotation's PromQL the way Grafana would, so the queries can be run against a real Prometheus.

    python3 Grafana/check_dashboard.py                      # print the substituted queries
    python3 Grafana/check_dashboard.py --prometheus http://127.0.0.1:9090 --var job=breakwater

With --prometheus every query is run (instant queries, or range queries with --range) and the
script exits 1 if any fails or returns no series: a query that returns nothing is a broken panel.
Instant queries see only the present moment: the "Circuit opened" annotation returns data only if a
circuit opened within its step (1 minute), so use --range for a check that must not depend on when
it runs. With a selection of circuits, the threshold queries are legitimately empty when none of
them has that threshold: --allow-empty '_threshold' accepts that. Only the standard library is used.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "breakwater-dashboard.json")

# Grafana's built-in variables, for a 1-hour range on a data source with the default 15 s scrape
# interval: $__rate_interval is max($__interval + scrape interval, 4 × scrape interval).
BUILTIN_VARIABLES = {
    "__interval": "15s",
    "__interval_ms": "15000",
    "__rate_interval": "60s",
    "__range": "3600s",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

# The value Grafana sends for "All" when the variable sets allValue; also used for a variable
# without a value, which makes the substituted query match everything.
ALL = ".*"

REQUIRED_VARIABLES = {"datasource": "datasource", "job": "query", "instance": "query", "circuit": "query"}

# $name, ${name}, ${name:format}, [[name]]: Grafana's three variable syntaxes.
VARIABLE_PATTERN = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
# metric{matchers}: every selector in a query, to check it is filtered by the variables.
SELECTOR_PATTERN = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")


def load(path=DEFAULT_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def all_panels(dashboard):
    """Every panel, including those inside collapsed rows, rows excluded."""
    found = []
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            found.extend(panel.get("panels", []))
        else:
            found.append(panel)
    return found


def substitute(expr, variables):
    """The query with every template variable replaced by its value.

    A value may be a string or a list of strings; a list, like a multi-value selection in Grafana,
    becomes the regex alternation `(a|b)` with each value regex-escaped; "All", "$__all" or None
    becomes `.*`. An unknown variable raises ValueError, so a typo in a query cannot pass.
    """
    values = dict(BUILTIN_VARIABLES)
    values.update(variables)

    def value_of(name):
        if name not in values:
            raise ValueError(f"unknown variable ${name} in: {expr}")
        value = values[name]
        if value is None or value in ("All", "$__all"):
            return ALL
        if isinstance(value, (list, tuple)):
            if any(v in ("All", "$__all") for v in value):
                return ALL
            escaped = [re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\\\1", v) for v in value]
            return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
        return str(value)

    return VARIABLE_PATTERN.sub(lambda m: value_of(m.group(1) or m.group(2) or m.group(3)), expr)


def as_selected(dashboard, variables):
    """The variables as Grafana would send them: a single value of a multi-value or All variable is
    regex-escaped like a list of values, a single value of a plain variable is sent as it is, and
    a query variable not given matches everything."""
    selected = dict(variables)
    for variable in dashboard.get("templating", {}).get("list", []):
        name = variable.get("name")
        if variable.get("type") == "query":
            selected.setdefault(name, ALL)
        value = selected.get(name)
        if isinstance(value, str) and value not in (ALL, "All", "$__all") and (variable.get("multi") or variable.get("includeAll")):
            selected[name] = [selected[name]]
    return selected


def panel_queries(dashboard, variables):
    """[(title, expr)] for every panel target and every Prometheus annotation, variables substituted.

    Annotation queries run with the annotation's step (Grafana's default 60s) as $__interval, as
    Grafana does: it passes the step as the query's minimum interval.
    """
    return [(title, expr) for title, expr, _ in queries_with_steps(dashboard, variables)]


def queries_with_steps(dashboard, variables):
    """[(title, expr, step)]: panel_queries with the $__interval each query runs with, which is
    also the step of Grafana's range query."""
    variables = as_selected(dashboard, variables)
    panel_step = variables.get("__interval", BUILTIN_VARIABLES["__interval"])
    found = []
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            if target.get("expr") and not target.get("hide"):
                title = panel.get("title", f"panel {panel.get('id')}")
                if len(panel["targets"]) > 1:
                    title += f" [{target.get('refId', '?')}]"
                found.append((title, substitute(target["expr"], variables), panel_step))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            step = annotation.get("step") or "60s"
            local = dict(variables)
            local.setdefault("__interval", step)
            local.setdefault("__interval_ms", str(duration_seconds(step) * 1000))
            found.append((f"annotation: {annotation.get('name')}", substitute(annotation["expr"], local), local["__interval"]))
    return found


def variable_queries(dashboard, variables):
    """[(name, query)] for the query variables, with the variables they depend on substituted."""
    variables = as_selected(dashboard, variables)
    found = []
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query", "")
        found.append((variable["name"], substitute(query, variables)))
    return found


def duration_seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", text):
        total += float(number) * units[unit]
    if total == 0:
        raise ValueError(f"not a duration: {text}")
    return int(total) if total == int(total) else total


def check(dashboard):
    """Problems with the dashboard as a list of messages; empty when it is fine."""
    problems = []

    inputs = dashboard.get("__inputs") or []
    if not any(i.get("type") == "datasource" and i.get("pluginId") == "prometheus" for i in inputs):
        problems.append("__inputs has no Prometheus data source input")

    requires = {(r.get("type"), r.get("id")): r for r in dashboard.get("__requires") or []}
    grafana = requires.get(("grafana", "grafana"))
    if not grafana or int(str(grafana.get("version", "0")).split(".")[0]) < 10:
        problems.append("__requires does not require Grafana 10 or later")
    if ("datasource", "prometheus") not in requires:
        problems.append("__requires does not name the prometheus data source")
    for panel_type in sorted({p.get("type") for p in all_panels(dashboard)}):
        if ("panel", panel_type) not in requires:
            problems.append(f"__requires does not name the panel plugin {panel_type}")

    for key in ("uid", "title", "schemaVersion", "tags", "time", "refresh", "annotations"):
        if key not in dashboard:
            problems.append(f"missing {key}")

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    for name, kind in REQUIRED_VARIABLES.items():
        if name not in variables:
            problems.append(f"missing template variable {name}")
        elif variables[name].get("type") != kind:
            problems.append(f"template variable {name} is of type {variables[name].get('type')}, not {kind}")
    for name in ("instance", "circuit"):
        variable = variables.get(name, {})
        if not (variable.get("multi") and variable.get("includeAll")):
            problems.append(f"template variable {name} should be multi-value with All")

    ids = [p.get("id") for p in dashboard.get("panels", [])] + [
        p.get("id") for row in dashboard.get("panels", []) if row.get("type") == "row" for p in row.get("panels", [])
    ]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate panel ids: {duplicates}")

    def uses_variable(datasource):
        return isinstance(datasource, dict) and datasource.get("uid") in ("$datasource", "${datasource}")

    for name, variable in variables.items():
        if variable.get("type") == "query" and not uses_variable(variable.get("datasource")):
            problems.append(f"template variable {name} does not query $datasource")
    for panel in all_panels(dashboard):
        title = panel.get("title")
        if not uses_variable(panel.get("datasource")):
            problems.append(f"panel {title!r} does not use $datasource")
        if not panel.get("description"):
            problems.append(f"panel {title!r} has no description")
        if not panel.get("gridPos"):
            problems.append(f"panel {title!r} has no gridPos")
        for target in panel.get("targets", []):
            if not uses_variable(target.get("datasource")):
                problems.append(f"panel {title!r} query {target.get('refId')} does not use $datasource")
            problems.extend(f"panel {title!r}: {p}" for p in unfiltered_selectors(target.get("expr", "")))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            if not uses_variable(annotation.get("datasource")):
                problems.append(f"annotation {annotation.get('name')!r} does not use $datasource")
            problems.extend(f"annotation {annotation.get('name')!r}: {p}" for p in unfiltered_selectors(annotation["expr"]))
    return problems


def unfiltered_selectors(expr):
    """Selectors missing the job and instance filters, or the circuit filter on a circuit metric."""
    problems = []
    for metric, matchers in SELECTOR_PATTERN.findall(expr):
        wanted = ['job=~"$job"', 'instance=~"$instance"']
        if metric.startswith("circuit_breaker_"):
            wanted.append('circuit=~"$circuit"')
        missing = [w for w in wanted if w not in matchers]
        if missing:
            problems.append(f"{metric} is not filtered by {', '.join(missing)}")
    return problems


def run_query(prometheus, expr, range_seconds=None, step_seconds=15):
    """The number of series a query returns, or raises RuntimeError with Prometheus's error."""
    if range_seconds:
        end = time.time()
        path = "/api/v1/query_range"
        params = {"query": expr, "start": f"{end - range_seconds:.3f}", "end": f"{end:.3f}", "step": str(step_seconds)}
    else:
        path = "/api/v1/query"
        params = {"query": expr}
    request = urllib.request.Request(
        prometheus.rstrip("/") + path, data=urllib.parse.urlencode(params).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    data = body["data"]
    if data["resultType"] == "scalar":
        return 1
    return len(data["result"])


def label_values(prometheus, query):
    """The values a label_values(selector, label) variable query offers."""
    match = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query)
    if not match:
        raise ValueError(f"not a label_values query: {query}")
    selector, label = match.groups()
    url = f"{prometheus.rstrip('/')}/api/v1/label/{label}/values?" + urllib.parse.urlencode({"match[]": selector})
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)["data"]


def parse_variables(pairs):
    variables = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        variables[name] = value.split(",") if "," in value else value
    return variables


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dashboard", nargs="?", default=DEFAULT_PATH)
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="a template variable (a,b for several values; All for all); job, instance and circuit default to All")
    parser.add_argument("--prometheus", metavar="URL", help="run every query against this Prometheus")
    parser.add_argument("--range", metavar="DURATION", help="run range queries over this long a time (e.g. 5m) instead of instant queries")
    parser.add_argument("--allow-empty", metavar="REGEX", default=None,
                        help="queries that may return nothing, matched against the panel title and the query (a threshold "
                             "series is absent when no selected circuit has that threshold: '_threshold')")
    arguments = parser.parse_args()

    dashboard = load(arguments.dashboard)
    problems = check(dashboard)
    for problem in problems:
        print(f"PROBLEM: {problem}")

    variables = {"job": ALL, "instance": ALL, "circuit": ALL}
    variables.update(parse_variables(arguments.var))
    failed = bool(problems)

    for name, query in variable_queries(dashboard, variables):
        if arguments.prometheus:
            try:
                values = label_values(arguments.prometheus, query)
            except Exception as error:  # report and carry on: every query is worth seeing
                values, failed = None, True
                print(f"variable ${name}: {query}\n    ERROR {error}")
                continue
            failed |= not values
            print(f"variable ${name}: {query}\n    {'EMPTY' if not values else values}")
        else:
            print(f"variable ${name}: {query}")

    range_seconds = duration_seconds(arguments.range) if arguments.range else None
    for title, expr, step in queries_with_steps(dashboard, variables):
        one_line = " ".join(expr.split())
        if not arguments.prometheus:
            print(f"{title}:\n    {one_line}")
            continue
        try:
            count = run_query(arguments.prometheus, expr, range_seconds, duration_seconds(step))
            may_be_empty = arguments.allow_empty and re.search(arguments.allow_empty, f"{title}\n{expr}")
            verdict = f"{count} series" if count else ("no data (allowed)" if may_be_empty else "NO DATA")
            failed |= count == 0 and not may_be_empty
        except Exception as error:
            verdict, failed = f"ERROR {error}", True
        print(f"{title}: {verdict}\n    {one_line}")

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
