#!/usr/bin/env python3
"""Checks Grafana/breakwater-dashboard.json without a Grafana.

Loads the dashboard, checks what the import screen and the panels depend on (inputs, requirements
and the minimum Grafana version they imply, template variables, unique panel ids and titles, the data
source variable everywhere, every selector filtered by the dashboard's variables, rates over
$__rate_interval, the grid layout and the rows, drill-down links, a refresh no faster than the scrape),
and substitutes the template variables in every panel's and annotation's PromQL the way Grafana would,
so the queries can be run against a real Prometheus.

    python3 Grafana/check_dashboard.py                      # print the substituted queries
    python3 Grafana/check_dashboard.py --prometheus http://127.0.0.1:9090 --var job=breakwater

With --prometheus every query is run (instant queries, or range queries with --range) and the
script exits 1 if any fails or returns no series: a query that returns nothing is a broken panel.
Instant queries see only the present moment: the "Circuit opened" annotation returns data only if a
circuit opened within its step (1 minute), so use --range for a check that must not depend on when
it runs. With a selection of circuits, the threshold queries are legitimately empty when none of
them has that threshold: --allow-empty '_threshold' accepts that. The firing-alerts panel is empty
whenever no alert fires, which is the healthy case: it is reported and accepted. The panels of a
repeated row (one row per circuit) run with one value of the row's variable at a time, as Grafana runs
each repeat: with --prometheus for every value the variable offers (or those given with --repeat
circuit=NAME,...), and each query must return data for at least one of them. Only the standard library
is used.
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

# The first Grafana release whose dashboards have each schemaVersion (the version the dashboard migrator
# brings every dashboard to; an older Grafana does not know the newest migrations). Evidence: the
# migration that introduced the version, the CHANGELOG release listing its pull request, and dashboards
# exported from neighbouring releases.
#   38  table displayMode becomes custom.cellOptions: grafana/grafana#59363, CHANGELOG 9.4.0-beta1
#   39  timeSeriesTable refIdToStat becomes per-refId options: grafana/grafana#76801, CHANGELOG 10.2.3;
#       dashboards exported from 10.2.2 have 38, from 10.2.3 and 11.2.0 have 39
#   40  exported from 11.2.0: 39; from 11.3.0: 40
# Extend the table when the dashboard is saved with a newer schema.
FIRST_GRAFANA_WITH_SCHEMA = {38: "9.4.0", 39: "10.2.3", 40: "11.3.0"}

# Panel options that an older Grafana does not know, with the first release that has them: ("key", name)
# for an option set anywhere in a panel, ("value", text) for an option value.
#   showPercentChange  stat: CHANGELOG 10.3.0 "Stat: Add Percent Change Option" (grafana/grafana#78250);
#                      first in grafonnet's schemas generated from 10.3.0
#   wideLayout         stat: CHANGELOG 10.2.3 "Stat: Add panel option to control wide layout" (#77018)
#   axisBorderShow     time series and others: first in grafonnet's schemas generated from 10.2.0
#   insertNulls        "Disconnect values": What's new in Grafana v10.1
#   palette-classic-by-name  colour by series name: first in grafonnet's schemas generated from 10.1.0
#   cellOptions        table cell options: grafana/grafana#59363, CHANGELOG 9.4.0-beta1 (schema 38)
FIRST_GRAFANA_WITH_OPTION = {
    ("key", "showPercentChange"): "10.3.0",
    ("key", "wideLayout"): "10.2.3",
    ("key", "axisBorderShow"): "10.2.0",
    ("key", "insertNulls"): "10.1.0",
    ("value", "palette-classic-by-name"): "10.1.0",
    ("key", "cellOptions"): "9.4.0",
}

# The fastest refresh worth offering: the example configuration's scrape interval. A dashboard refreshed
# faster than Prometheus scrapes redraws the same samples and multiplies the load of every panel's queries.
MIN_REFRESH_SECONDS = 15

# Queries that are empty in the healthy case: no Breakwater alert firing.
EMPTY_WHEN_HEALTHY = re.compile(r"^\s*ALERTS\{")

# $name, ${name}, ${name:format}, [[name]]: Grafana's three variable syntaxes.
VARIABLE_PATTERN = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
# metric{matchers}: every selector in a query, to check it is filtered by the variables.
SELECTOR_PATTERN = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")


def load(path=DEFAULT_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def all_panels(dashboard):
    """Every panel, including those inside collapsed rows, rows excluded."""
    return [panel for panel, _ in panels_with_rows(dashboard)]


def panels_with_rows(dashboard):
    """[(panel, row)] for every panel, rows excluded; row is the row the panel belongs to (the last row
    above it, or the collapsed row that holds it), None for a panel above the first row."""
    found = []
    current = None
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            current = panel
            found.extend((inner, panel) for inner in panel.get("panels", []))
        else:
            found.append((panel, current))
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


def panel_queries(dashboard, variables, repeat_values=None):
    """[(title, expr)] for every panel target and every Prometheus annotation, variables substituted.

    Annotation queries run with the annotation's step (Grafana's default 60s) as $__interval, as
    Grafana does: it passes the step as the query's minimum interval. The panels of a repeated row
    run with repeat_values[name] as the row's variable name when given (Grafana runs each repeat
    with one value), otherwise with the variable as selected. Titles are the panels' own, with
    [refId] when a panel has several queries.
    """
    return [(title, expr) for title, expr, _ in queries_with_steps(dashboard, variables, repeat_values)]


def queries_with_steps(dashboard, variables, repeat_values=None):
    """[(title, expr, step)]: panel_queries with the $__interval each query runs with, which is
    also the step of Grafana's range query."""
    selected = as_selected(dashboard, variables)
    panel_step = selected.get("__interval", BUILTIN_VARIABLES["__interval"])
    found = []
    for panel, row in panels_with_rows(dashboard):
        local = selected
        repeat = (row or {}).get("repeat")
        if repeat and repeat_values and repeat in repeat_values:
            local = as_selected(dashboard, {**variables, repeat: repeat_values[repeat]})
        for target in panel.get("targets", []):
            if target.get("expr") and not target.get("hide"):
                title = panel.get("title", f"panel {panel.get('id')}")
                if len(panel["targets"]) > 1:
                    title += f" [{target.get('refId', '?')}]"
                found.append((title, substitute(target["expr"], local), panel_step))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            step = annotation.get("step") or "60s"
            local = dict(selected)
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
    problems.extend(grafana_version_problems(dashboard))
    if ("datasource", "prometheus") not in requires:
        problems.append("__requires does not name the prometheus data source")
    used_types = {p.get("type") for p in all_panels(dashboard)}
    for panel_type in sorted(used_types):
        if ("panel", panel_type) not in requires:
            problems.append(f"__requires does not name the panel plugin {panel_type}")
    for kind, plugin in sorted(requires):
        if kind == "panel" and plugin not in used_types:
            problems.append(f"__requires names the panel plugin {plugin}, which no panel uses")

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
            problems.extend(f"panel {title!r}: {p}" for p in rate_windows(target.get("expr", "")))
        problems.extend(f"panel {title!r}: {p}" for p in link_problems(dashboard, panel, variables))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            if not uses_variable(annotation.get("datasource")):
                problems.append(f"annotation {annotation.get('name')!r} does not use $datasource")
            problems.extend(f"annotation {annotation.get('name')!r}: {p}" for p in unfiltered_selectors(annotation["expr"]))

    titles = [p.get("title") for p in all_panels(dashboard)]
    repeated_titles = sorted({t for t in titles if titles.count(t) > 1})
    if repeated_titles:
        problems.append(f"panel titles used twice (queries are looked up by title): {repeated_titles}")

    problems.extend(row_problems(dashboard, variables))
    problems.extend(layout_problems(dashboard))
    problems.extend(refresh_problems(dashboard))
    return problems


def unfiltered_selectors(expr):
    """Selectors missing the job and instance filters, or the circuit filter on a circuit metric.

    ALERTS (the firing-alerts panel) is filtered on circuit too; there `instance=~"$instance|"` and
    `circuit=~"$circuit|"` are the filters, so that alerts without the label (about a whole target or
    job) stay listed. The `|` form is accepted wherever a label may be absent."""
    problems = []
    for metric, matchers in SELECTOR_PATTERN.findall(expr):
        wanted = ["job", "instance"]
        if metric.startswith("circuit_breaker_") or metric == "ALERTS":
            wanted.append("circuit")
        missing = [f'{name}=~"${name}"' for name in wanted
                   if f'{name}=~"${name}"' not in matchers and f'{name}=~"${name}|"' not in matchers]
        if metric == "ALERTS" and 'circuit=~"$circuit"' in matchers:
            problems.append('ALERTS is filtered by circuit=~"$circuit", which hides the alerts without a circuit label: '
                            'use circuit=~"$circuit|"')
        if missing:
            problems.append(f"{metric} is not filtered by {', '.join(missing)}")
    return problems


# rate(...[window]), irate, increase: the window must be $__rate_interval, which Grafana keeps at least four
# scrape intervals and at least the step, so a rate never has fewer than two samples nor skips any.
RATE_PATTERN = re.compile(r"\b(rate|irate|increase)\(([^\[\]]*)\[([^\]]+)\]")


def rate_windows(expr):
    return [f"{function}() over [{window}], not [$__rate_interval]"
            for function, _, window in RATE_PATTERN.findall(expr) if window != "$__rate_interval"]


def parse_version(text):
    return tuple(int(part) for part in re.findall(r"\d+", str(text))[:3])


def grafana_version_problems(dashboard):
    """__requires states the real minimum Grafana: the first release that has the dashboard's
    schemaVersion and every panel option the dashboard sets (FIRST_GRAFANA_WITH_SCHEMA,
    FIRST_GRAFANA_WITH_OPTION), neither older (the import would load options that Grafana ignores) nor
    newer (it would turn away Grafanas that work)."""
    grafana = next((r for r in dashboard.get("__requires") or [] if r.get("type") == "grafana"), None)
    if not grafana or not grafana.get("version"):
        return ["__requires names no Grafana version"]
    required = parse_version(grafana["version"])
    schema = dashboard.get("schemaVersion")
    if schema not in FIRST_GRAFANA_WITH_SCHEMA:
        return [f"schemaVersion {schema} is not in FIRST_GRAFANA_WITH_SCHEMA: add the first Grafana release that has it"]
    needs = [(parse_version(FIRST_GRAFANA_WITH_SCHEMA[schema]), f"schemaVersion {schema}")]
    keys, values = set(), set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                keys.add(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            values.add(node)

    walk(dashboard.get("panels", []))
    for (kind, name), version in FIRST_GRAFANA_WITH_OPTION.items():
        if name in (keys if kind == "key" else values):
            needs.append((parse_version(version), f"option {name}"))
    minimum = max(version for version, _ in needs)
    reasons = ", ".join(why for version, why in needs if version == minimum)
    shown = ".".join(map(str, minimum))
    if required < minimum:
        return [f"__requires says Grafana {grafana['version']}, but {reasons} needs Grafana {shown}"]
    if required > minimum:
        return [f"__requires says Grafana {grafana['version']}, but nothing known needs more than {shown} ({reasons}): "
                f"state the real minimum, or add what needs more to FIRST_GRAFANA_WITH_OPTION"]
    return []


def row_problems(dashboard, variables):
    """A collapsed row holds its panels, an expanded one holds none (Grafana's layout); a repeated row
    repeats a multi-value variable its panels filter on, and is collapsed, so that All with many values
    draws one row header per value rather than every panel of every value."""
    problems = []
    for row in dashboard.get("panels", []):
        if row.get("type") != "row":
            continue
        title = row.get("title")
        if row.get("collapsed") and not row.get("panels"):
            problems.append(f"row {title!r} is collapsed but holds no panels")
        if not row.get("collapsed") and row.get("panels"):
            problems.append(f"row {title!r} is expanded but holds panels: they belong after it in the dashboard's panels")
        name = row.get("repeat")
        if not name:
            continue
        variable = variables.get(name)
        if not variable or not (variable.get("multi") or variable.get("includeAll")):
            problems.append(f"row {title!r} repeats {name!r}, which is not a multi-value variable")
        if not row.get("collapsed"):
            problems.append(f"row {title!r} repeats {name!r} but is not collapsed: All would draw every panel of every value")
        if f"${name}" not in title:
            problems.append(f"row {title!r} repeats {name!r} but its title does not show ${name}")
        for panel in row.get("panels", []):
            for target in panel.get("targets", []):
                if f"${name}" not in target.get("expr", ""):
                    problems.append(f"panel {panel.get('title')!r} in repeated row {title!r} does not filter on ${name}")
    return problems


def layout_problems(dashboard):
    """Panels inside the 24-column grid and not overlapping: the top level (rows included, a collapsed
    row taking one line) and, separately, the panels inside each collapsed row, which start below it."""
    problems = []

    def overlaps(a, b):
        return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]

    def check_group(panels, where, min_y=0):
        placed = []
        for panel in panels:
            grid = panel.get("gridPos") or {}
            if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
                continue
            name = panel.get("title")
            if grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > 24 or grid["h"] < 1:
                problems.append(f"panel {name!r} is outside the 24-column grid: {grid}")
            if grid["y"] < min_y:
                problems.append(f"panel {name!r} {where} starts at y={grid['y']}, above its row")
            for other_name, other in placed:
                if overlaps(grid, other):
                    problems.append(f"panels {other_name!r} and {name!r} overlap {where}")
            placed.append((name, grid))

    check_group(dashboard.get("panels", []), "at the top level")
    for row in dashboard.get("panels", []):
        if row.get("type") == "row" and row.get("collapsed"):
            check_group(row.get("panels", []), f"in row {row.get('title')!r}", row.get("gridPos", {}).get("y", 0) + 1)
    return problems


def refresh_problems(dashboard):
    """Auto-refresh no faster than Prometheus scrapes (MIN_REFRESH_SECONDS)."""
    problems = []
    intervals = (dashboard.get("timepicker") or {}).get("refresh_intervals")
    if not intervals:
        problems.append("timepicker.refresh_intervals is not set: Grafana would offer refreshes every 5s")
        intervals = []
    too_fast = [i for i in intervals if duration_seconds(i) < MIN_REFRESH_SECONDS]
    if too_fast:
        problems.append(f"timepicker.refresh_intervals offers {too_fast}, faster than a {MIN_REFRESH_SECONDS}s scrape")
    refresh = dashboard.get("refresh")
    if refresh:
        if duration_seconds(refresh) < MIN_REFRESH_SECONDS:
            problems.append(f"refresh {refresh} is faster than a {MIN_REFRESH_SECONDS}s scrape")
        if intervals and refresh not in intervals:
            problems.append(f"refresh {refresh} is not one of timepicker.refresh_intervals")
    return problems


LINK_VARIABLE = re.compile(r"var-(\w+)=|\$\{(\w+):queryparam\}")


def link_problems(dashboard, panel, variables):
    """Data links to this dashboard keep the time range and name only variables it has."""
    problems = []
    config = panel.get("fieldConfig") or {}
    links = list((config.get("defaults") or {}).get("links") or [])
    for override in config.get("overrides") or []:
        for prop in override.get("properties", []):
            if prop.get("id") == "links":
                links.extend(prop.get("value") or [])
    for link in links:
        url = link.get("url", "")
        if f"/d/{dashboard.get('uid')}" not in url:
            continue
        if "${__url_time_range}" not in url:
            problems.append(f"link {link.get('title')!r} does not keep the time range (${{__url_time_range}})")
        for a, b in LINK_VARIABLE.findall(url):
            if (a or b) not in variables:
                problems.append(f"link {link.get('title')!r} sets {a or b}, which is not a variable of the dashboard")
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
    parser.add_argument("--repeat", action="append", default=[], metavar="NAME=VALUE",
                        help="the values a repeated row's variable takes for the check (circuit=payments or "
                             "circuit=payments,search); by default every value the variable offers, with --prometheus")
    arguments = parser.parse_args()

    dashboard = load(arguments.dashboard)
    problems = check(dashboard)
    for problem in problems:
        print(f"PROBLEM: {problem}")

    variables = {"job": ALL, "instance": ALL, "circuit": ALL}
    variables.update(parse_variables(arguments.var))
    failed = bool(problems)

    offered = {}
    for name, query in variable_queries(dashboard, variables):
        if arguments.prometheus:
            try:
                values = label_values(arguments.prometheus, query)
            except Exception as error:  # report and carry on: every query is worth seeing
                values, failed = None, True
                print(f"variable ${name}: {query}\n    ERROR {error}")
                continue
            failed |= not values
            offered[name] = values
            print(f"variable ${name}: {query}\n    {'EMPTY' if not values else values}")
        else:
            print(f"variable ${name}: {query}")

    # A repeated row runs once per value of its variable, with that one value. Without Prometheus the
    # queries are printed for one value (the first selected or given); with it they run for every value
    # (those given with --repeat, else those the variable offers within the selection) and a query must
    # return data for at least one: a circuit without a threshold has no threshold series, another does.
    given = parse_variables(arguments.repeat)
    runs = [None]
    for row in dashboard.get("panels", []):
        name = row.get("repeat")
        if not name:
            continue
        wanted = given.get(name, variables.get(name))
        if isinstance(wanted, str):
            wanted = [] if wanted in (ALL, "All", "$__all") else [wanted]
        if not wanted and offered.get(name):
            wanted = sorted(offered[name])
        if wanted and not arguments.prometheus:
            wanted = wanted[:1]
        if wanted:
            runs = [{name: value} for value in wanted]
            print(f"row {row.get('title')!r}: checked with {name}={', '.join(wanted)}")

    plan = {}  # title: (step, {query: the repeat values it runs for})
    for repeat_values in runs:
        for title, expr, step in queries_with_steps(dashboard, variables, repeat_values):
            plan.setdefault(title, (step, {}))[1].setdefault(expr, []).append(repeat_values)

    range_seconds = duration_seconds(arguments.range) if arguments.range else None
    for title, (step, queries) in plan.items():
        first = " ".join(next(iter(queries)).split())
        if not arguments.prometheus:
            print(f"{title}:\n    {first}")
            continue
        counts, errors = {}, []
        for expr in queries:
            try:
                counts[expr] = run_query(arguments.prometheus, expr, range_seconds, duration_seconds(step))
            except Exception as error:
                errors.append(str(error))
        count = sum(counts.values())
        shown = next((e for e in queries if counts.get(e)), next(iter(queries)))
        one_line = " ".join(shown.split())
        may_be_empty = arguments.allow_empty and re.search(arguments.allow_empty, f"{title}\n{shown}")
        if errors:
            verdict, failed = f"ERROR {errors[0]}", True
        elif count:
            verdict = f"{count} series"
            if len(queries) > 1:
                verdict += f" (data for {sum(1 for c in counts.values() if c)} of {len(queries)} repeats)"
        elif EMPTY_WHEN_HEALTHY.search(shown):
            verdict = "no data (no alert firing: allowed)"
        elif may_be_empty:
            verdict = "no data (allowed)"
        else:
            verdict, failed = "NO DATA", True
        print(f"{title}: {verdict}\n    {one_line}")

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
