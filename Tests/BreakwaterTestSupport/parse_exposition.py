#!/usr/bin/python3
"""Parses an exposition from standard input with client_python and prints it as JSON.

Usage: parse_exposition.py text004|openmetrics < exposition

text004 uses prometheus_client.parser (text format 0.0.4), openmetrics the strict
prometheus_client.openmetrics.parser (OpenMetrics 1.0.0). The tests in
BreakwaterMetricsTests run this through ExternalTools.swift to check the encoders against a
consumer that is not ours.

Output on success (exit 0), one JSON document on standard output:
  [{"name", "type", "documentation", "unit",
    "samples": [{"name", "labels": {name: value}, "labelNames": [in exposition order],
                 "value", "timestamp", "exemplar": {"labels", "value", "timestamp"} | null}]}]
Values are strings so that nothing is lost on the way: Python's repr of the float (the
shortest text that reads back as the same double), or exactly NaN, +Inf, -Inf.
Timestamps are strings too, or null.

A parse error exits 1 with the parser's message on standard error; a bad invocation exits 2;
a missing prometheus_client exits 3.
"""

import json
import math
import sys

EXIT_PARSE_ERROR = 1
EXIT_USAGE = 2
EXIT_MISSING_MODULE = 3


def format_value(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def format_timestamp(timestamp):
    # client_python gives seconds as a float, or its Timestamp whose str is "sec.nanoseconds".
    if timestamp is None:
        return None
    if isinstance(timestamp, float):
        return format_value(timestamp)
    return str(timestamp)


def sample_to_json(sample):
    exemplar = None
    if sample.exemplar is not None:
        exemplar = {
            "labels": dict(sample.exemplar.labels),
            "value": format_value(sample.exemplar.value),
            "timestamp": format_timestamp(sample.exemplar.timestamp),
        }
    return {
        "name": sample.name,
        "labels": dict(sample.labels),
        "labelNames": list(sample.labels),
        "value": format_value(sample.value),
        "timestamp": format_timestamp(sample.timestamp),
        "exemplar": exemplar,
    }


def family_to_json(family):
    return {
        "name": family.name,
        "type": family.type,
        "documentation": family.documentation,
        "unit": getattr(family, "unit", ""),
        "samples": [sample_to_json(sample) for sample in family.samples],
    }


def main(arguments):
    if len(arguments) != 1 or arguments[0] not in ("text004", "openmetrics"):
        print("usage: parse_exposition.py text004|openmetrics < exposition", file=sys.stderr)
        return EXIT_USAGE
    try:
        if arguments[0] == "text004":
            from prometheus_client.parser import text_string_to_metric_families
        else:
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
    except ImportError as error:
        print(f"prometheus_client is not importable by {sys.executable}: {error}; "
              "run Scripts/install-test-tools", file=sys.stderr)
        return EXIT_MISSING_MODULE

    # Read bytes: text-mode standard input would turn \r\n into \n and hide it from the parser.
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
        # The parsers are generators: list() makes them parse everything, errors included.
        families = list(text_string_to_metric_families(text))
        document = [family_to_json(family) for family in families]
    except Exception as error:  # Any exception from the parser means it rejected the text.
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_PARSE_ERROR

    sys.stdout.buffer.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    sys.stdout.buffer.write(b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
