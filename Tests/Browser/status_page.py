#!/usr/bin/python3
"""Drives Breakwater's status page (`GET /`) in a real browser, headless Chromium, and checks what
an operator relies on during an incident:

  1. the page loads with basic authentication, and its own requests (refreshes, details,
     actions) are authorized too;
  2. the summary's counts equal the rows' states and the `/circuits` document's summary, and the
     registry holds a circuit in every state;
  3. the rows come in the server's order: open, half-open, forced open, disabled, metrics-only,
     closed, then by name in natural order (`synthetic-2` before `synthetic-10`);
  4. a circuit named `<img src=x onerror=alert(1)>` shows as text, in its row and in its detail,
     and never becomes markup or runs;
  5. with `?refresh=1`, a change made from outside (`--transition NAME`, forced open over HTTP)
     shows within seconds, in place: no reload, the scroll position kept;
  6. the filter leaves only the matching row visible among a thousand, and clearing it shows
     them all again;
  7. with manual control on, the first open circuit's Reset button closes it and its detail
     lists the transition with the user's name; on a server without it (`--uncontrolled URL`,
     or the one under test when its control is off), a detail has no buttons;
  8. no console message of level SEVERE (errors, failed requests, uncaught exceptions) and no
     alert, at any point.

Prints a FAIL line per failed check, an ok line per passed one, and exits 1 if any failed.

    /usr/bin/python3 Tests/Browser/status_page.py http://127.0.0.1:PORT alice secret \\
        --transition synthetic-500 --uncontrolled http://127.0.0.1:OTHER

Needs Debian's chromium, chromium-driver and python3-selenium (Scripts/install-test-tools).
"""

import argparse
import base64
import collections
import functools
import json
import signal
import sys
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
STATES_BY_URGENCY = ["open", "half_open", "forced_open", "disabled", "metrics_only", "closed"]
# The `/circuits` summary's key for each state.
SUMMARY_KEYS = {
    "open": "open", "half_open": "halfOpen", "forced_open": "forcedOpen",
    "disabled": "disabled", "metrics_only": "metricsOnly", "closed": "closed",
}
FILTER_QUERY = "synthetic-737"
# Generous: the server may run under ThreadSanitizer on a loaded machine.
WAIT_SECONDS = 30

# Runs in every page before its own script: records alerts (and prompts, confirms) instead of
# showing them, and reports them on the console so that no navigation loses one.
ALERT_TRAP = """
window.__alerts = [];
for (const kind of ["alert", "confirm", "prompt"]) {
  window[kind] = (message) => {
    window.__alerts.push(`${kind}(${message})`);
    console.error(`status_page.py: ${kind} called with ${message}`);
  };
}
"""


class TimeLimitExceeded(Exception):
    """The whole run took longer than --time-limit."""


class Failures:
    """The failed checks, each printed as it is found."""

    def __init__(self):
        self.messages = []

    def expect(self, condition, message):
        """Records `message` as a failure unless `condition` holds; returns `condition`."""
        if not condition:
            self.messages.append(message)
            print(f"FAIL: {message}", flush=True)
        return condition


class StatusPage:
    """A headless Chromium showing one server's status page, with every request authorized."""

    def __init__(self, user, password):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,900", "--no-first-run", "--disable-extensions"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(WAIT_SECONDS * 2)
        self.driver.set_script_timeout(WAIT_SECONDS)
        # Credentials in the URL would authorize navigations only; this header goes with the
        # page's own fetch() calls too.
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_TRAP})
        self.console = []

    def open(self, url):
        """Loads `url` and waits until its rows are there."""
        self.driver.get(url)
        wait_for(lambda: self.js("return document.readyState === 'complete' && rows().length > 0"),
                 f"{url} to show its circuits")

    def js(self, body, *arguments):
        """Runs `body` in the page, with the helpers `rows()`, `row(name)` and `detail(name)`."""
        helpers = """
            const rows = () => [...document.querySelectorAll("#circuits tr.circuit")];
            const row = (name) => rows().find((r) => r.dataset.name === name);
            const detail = (name) => [...document.querySelectorAll("#circuits tr.detail")]
              .find((r) => r.dataset.name === name);
        """
        return self.driver.execute_script(helpers + body, *arguments)

    def rows(self):
        """Every row's name and state, in page order."""
        return self.js("return rows().map((r) => [r.dataset.name, r.dataset.state])")

    def summary(self):
        """The summary line's counts by state, and its total."""
        return self.js("""
            const summary = document.getElementById("summary");
            const counts = {};
            for (const span of summary.querySelectorAll("span.count")) {
              counts[span.dataset.state] = Number(span.querySelector("b").textContent);
            }
            return [counts, Number(summary.dataset.total)];
        """)

    def click_name(self, name):
        """Clicks the link of `name`'s row, as an operator opening its detail does."""
        self.retrying_stale(lambda: self.js("""
            const link = row(arguments[0]).querySelector("td.name a");
            link.scrollIntoView({ block: "center" });
            return link;
        """, name).click())

    def retrying_stale(self, action):
        """Runs `action`, again when a refresh replaced the element it found meanwhile."""
        for _ in range(10):
            try:
                return action()
            except StaleElementReferenceException:
                time.sleep(0.1)
        return action()

    def wait_for_detail(self, name):
        """Waits until `name`'s detail has loaded from `/circuits/{name}`."""
        wait_for(lambda: self.js("const d = detail(arguments[0]); return !!d && !!d.querySelector('h2')", name),
                 f"the detail of {name!r} to load")

    def drain_console(self):
        """Collects the console messages logged since the last call."""
        self.console += self.driver.get_log("browser")

    def quit(self):
        self.driver.quit()


def wait_for(condition, what, seconds=WAIT_SECONDS):
    """Polls `condition` until it returns something true, and returns that; raises after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def natural_compare(left, right):
    """The server's order of names (CircuitOrder.naturallyPrecedes) as a comparison: runs of ASCII
    digits compare as numbers, everything else byte by byte; a prefix first; names equal that way
    fall back to byte order."""
    a, b = left.encode(), right.encode()
    i = j = 0

    def digit_run(data, start):
        end = start
        while end < len(data) and data[end:end + 1].isdigit():
            end += 1
        return data[start:end].lstrip(b"0") or b"0", end

    while i < len(a) and j < len(b):
        if a[i:i + 1].isdigit() and b[j:j + 1].isdigit():
            (left_run, i), (right_run, j) = digit_run(a, i), digit_run(b, j)
            if len(left_run) != len(right_run):
                return -1 if len(left_run) < len(right_run) else 1
            if left_run != right_run:
                return -1 if left_run < right_run else 1
        else:
            if a[i] != b[j]:
                return -1 if a[i] < b[j] else 1
            i, j = i + 1, j + 1
    if (i == len(a)) != (j == len(b)):
        return -1 if i == len(a) else 1
    return (a > b) - (a < b)


def expected_order(rows):
    """`rows` ([name, state] pairs) in the order the server should list them."""
    def compare(left, right):
        rank = STATES_BY_URGENCY.index(left[1]) - STATES_BY_URGENCY.index(right[1])
        return rank if rank != 0 else natural_compare(left[0], right[0])
    return sorted(rows, key=functools.cmp_to_key(compare))


class Server:
    """The server's JSON API, called from outside the browser."""

    def __init__(self, base, user, password):
        self.base = base.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"

    def circuits(self):
        return self.request("/circuits")

    def act(self, name, action):
        """Sets `name`'s state as `POST /circuits/{name}` does; returns the circuit."""
        return self.request(f"/circuits/{urllib.parse.quote(name, safe='')}", {"action": action})

    def request(self, path, body=None):
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return json.load(response)


# The checks. Each takes the page, the failures and its own arguments, and loads the page it needs,
# so that one failing leaves the next intact.

def check_loads(page, failures, server):
    """The page loads, authorized, and logs no error while it does."""
    page.open(server.base + "/")
    title = page.driver.title
    failures.expect(title == "Breakwater circuits", f"the page's title is {title!r}")
    check_console(page, failures)


def check_counts(page, failures, server):
    """The summary agrees with the rows and with `/circuits`; every state has a circuit."""
    page.open(server.base + "/")
    counts, total = page.summary()
    document = server.circuits()
    rows = page.rows()
    by_state = {state: sum(1 for _, s in rows if s == state) for state in STATES_BY_URGENCY}
    failures.expect(total == len(rows), f"the summary's total is {total}, the table has {len(rows)} rows")
    failures.expect(counts == by_state, f"the summary says {counts}, the rows' states are {by_state}")
    from_document = {state: document["summary"][key] for state, key in SUMMARY_KEYS.items()}
    failures.expect(counts == from_document, f"the page's summary is {counts}, /circuits says {from_document}")
    failures.expect(document["summary"]["total"] == total,
                    f"the page's total is {total}, /circuits says {document['summary']['total']}")
    missing = [state for state in STATES_BY_URGENCY if by_state[state] == 0]
    failures.expect(not missing, f"no circuit is in {missing}: the fixture should cover every state")
    failures.expect(document["manualControl"] == (page.js("return document.body.dataset.control") == "enabled"),
                    "the page's data-control disagrees with /circuits' manualControl")


def check_order(page, failures, server):
    """The rows are in urgency, then natural name order, the same as in `/circuits`."""
    page.open(server.base + "/")
    rows = page.rows()
    expected = expected_order(rows)
    if not failures.expect(rows == expected, "the rows are out of order"):
        first = next(index for index, (got, want) in enumerate(zip(rows, expected)) if got != want)
        print(f"      first difference at row {first}: {rows[first]}, expected {expected[first]}")
    names = [circuit["name"] for circuit in server.circuits()["circuits"]]
    failures.expect([name for name, _ in rows] == names, "the page lists the circuits in another order than /circuits")


def check_hostile_name(page, failures, server):
    """A name that is markup shows as text in its row and its detail, and runs nothing."""
    page.open(server.base + "/")
    if not failures.expect(page.js("return !!row(arguments[0])", HOSTILE_NAME),
                           f"no row has data-name {HOSTILE_NAME!r}"):
        return
    text = page.js("return row(arguments[0]).querySelector('td.name').textContent", HOSTILE_NAME)
    failures.expect(text == HOSTILE_NAME, f"the hostile circuit's name cell reads {text!r}")
    failures.expect(page.js("return document.querySelectorAll('#circuits img').length") == 0,
                    "the table holds an img element: a name became markup")
    page.click_name(HOSTILE_NAME)
    page.wait_for_detail(HOSTILE_NAME)
    heading = page.js("return detail(arguments[0]).querySelector('h2').textContent", HOSTILE_NAME)
    failures.expect(heading.startswith(HOSTILE_NAME + ":"), f"the hostile circuit's detail heading reads {heading!r}")
    failures.expect(page.js("return document.images.length") == 0,
                    "the page holds an img element after the detail opened")
    alerts = page.js("return window.__alerts")
    failures.expect(alerts == [], f"the page called {alerts}")


def check_live_refresh(page, failures, server, name):
    """`name`, forced open over HTTP, shows so within seconds, without a reload or a scroll."""
    page.open(server.base + "/?refresh=1")
    if not failures.expect(page.js("return !!row(arguments[0])", name), f"no row is named {name!r}"):
        return
    before = page.js("return row(arguments[0]).dataset.state", name)
    failures.expect(before == "closed", f"{name} should start closed, it is {before}")
    counts_before, _ = page.summary()
    page.js("window.__notReloaded = true; window.scrollTo(0, 40 * rows()[0].offsetHeight)")
    scrolled = page.js("return window.scrollY")
    failures.expect(scrolled > 0, "the page did not scroll: is the table shorter than the window?")
    server.act(name, "force-open")
    try:
        wait_for(lambda: page.js("return row(arguments[0]).dataset.state", name) == "forced_open",
                 f"{name}'s row to turn forced_open", seconds=WAIT_SECONDS)
    except TimeoutError as error:
        failures.expect(False, f"the page did not show {name} forced open by itself: {error}")
        return
    expected = dict(counts_before, closed=counts_before["closed"] - 1, forced_open=counts_before["forced_open"] + 1)
    counts_after, _ = page.summary()
    failures.expect(counts_after == expected,
                    f"after {name} was forced open the summary says {counts_after}, expected {expected}")
    # Another refresh or two, to see the position hold across more than one swap.
    stamp = page.js("return document.getElementById('updated').textContent")
    wait_for(lambda: page.js("return document.getElementById('updated').textContent") != stamp, "another refresh")
    failures.expect(page.js("return window.__notReloaded === true"), "the page reloaded instead of refreshing in place")
    position = page.js("return window.scrollY")
    failures.expect(position == scrolled, f"the refresh moved the scroll position from {scrolled} to {position}")
    status = page.js("const u = document.getElementById('updated'); return [u.className, u.textContent]")
    failures.expect(status[0] != "stale" and "every 1 s" in status[1], f"the page's refresh status reads {status[1]!r}")


def check_filter(page, failures, server):
    """Typing a name leaves its row alone visible; clearing the field shows every row."""
    page.open(server.base + "/")
    visible = """return rows().filter((r) => r.getClientRects().length > 0).map((r) => r.dataset.name)"""
    total = len(page.rows())
    field = page.driver.find_element(By.ID, "filter")
    field.send_keys(FILTER_QUERY)
    try:
        wait_for(lambda: page.js(visible) == [FILTER_QUERY], f"only {FILTER_QUERY} to be visible", seconds=10)
    except TimeoutError:
        shown = page.js(visible)
        failures.expect(False, f"filtering by {FILTER_QUERY!r} left {len(shown)} rows visible: {shown[:5]}")
    else:
        element = page.js("return row(arguments[0])", FILTER_QUERY)
        failures.expect(element.is_displayed(), f"WebDriver does not see {FILTER_QUERY}'s row as displayed")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.driver.current_url).query).get("q")
        failures.expect(query == [FILTER_QUERY], f"the URL keeps the filter as q={query}")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    try:
        wait_for(lambda: len(page.js(visible)) == total, "every row to be visible again", seconds=10)
    except TimeoutError:
        failures.expect(False, f"after clearing the filter {len(page.js(visible))} of {total} rows are visible")


def check_controls(page, failures, base, user):
    """With manual control, Reset on the first open circuit closes it; without, no buttons."""
    page.open(base.rstrip("/") + "/")
    if page.js("return document.body.dataset.control") == "enabled":
        check_reset_button(page, failures, user)
    else:
        check_no_buttons(page, failures)


def check_reset_button(page, failures, user):
    """The first open circuit's Reset button closes it, and its detail says who did it."""
    name = page.js("const open = rows().find((r) => r.dataset.state === 'open'); return open && open.dataset.name")
    if not failures.expect(name is not None, "no open circuit to reset"):
        return
    page.click_name(name)
    page.wait_for_detail(name)
    page.retrying_stale(lambda: page.js("return detail(arguments[0]).querySelector('button[data-action=reset]')",
                                        name).click())
    reason = f"reset by {user} over HTTP"
    try:
        wait_for(lambda: page.js("return row(arguments[0]).dataset.state", name) == "closed",
                 f"{name}'s row to turn closed")
        newest = wait_for(lambda: page.js("""
            const d = detail(arguments[0]);
            const cells = d && d.querySelector("table.transitions tr:nth-child(2)");
            return cells && cells.textContent.includes(arguments[1]) &&
              [...cells.querySelectorAll("td")].map((td) => td.textContent);
        """, name, reason), f"{name}'s detail to list the reset")
    except TimeoutError as error:
        failures.expect(False, f"Reset on {name!r} did not show: {error}")
        return
    failures.expect(newest[1:3] == ["open", "closed"], f"the newest transition of {name!r} reads {newest}")
    above = page.js("return detail(arguments[0]).previousElementSibling.dataset.name", name)
    failures.expect(above == name, f"the detail of {name!r} sits below {above!r}'s row")


def check_no_buttons(page, failures):
    """A detail on a server without manual control offers no action."""
    name = page.js("return rows()[0].dataset.name")
    page.click_name(name)
    page.wait_for_detail(name)
    buttons = page.js("return document.querySelectorAll('button[data-action]').length")
    failures.expect(buttons == 0, f"a server without manual control shows {buttons} action buttons")


def check_console(page, failures):
    """Fails for every distinct SEVERE console message since the last look; shows warnings."""
    page.drain_console()
    for level in ["SEVERE", "WARNING"]:
        # The same message comes again with each page load or refresh: once is enough.
        messages = collections.Counter(entry["message"] for entry in page.console if entry["level"] == level)
        for message, times in messages.items():
            line = f"console{f' ({times} times)' if times > 1 else ''}: {message}"
            if level == "SEVERE":
                failures.expect(False, line)
            else:
                print(f"note: {line}")
    page.console.clear()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the server's URL, such as http://127.0.0.1:9465")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--transition", metavar="NAME", help="a closed circuit to force open from outside the browser")
    parser.add_argument("--uncontrolled", metavar="URL", help="a server of the same registry without manual control")
    parser.add_argument("--time-limit", type=int, default=100, metavar="SECONDS",
                        help="end the run, closing the browser, after this long (default 100)")
    arguments = parser.parse_args()

    # A test process may start this with signals blocked, and the browser and its driver would
    # inherit that mask: then neither SIGTERM (how Selenium stops the driver) nor the alarm below
    # would work.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())

    def stop(*_):
        raise TimeLimitExceeded(f"the run took longer than {arguments.time_limit} s")
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(arguments.time_limit)

    server = Server(arguments.base, arguments.user, arguments.password)
    checks = [
        ("the page loads without console errors", check_loads, server),
        ("the counts agree", check_counts, server),
        ("the rows are in order", check_order, server),
        ("a hostile name stays text", check_hostile_name, server),
        ("the filter finds one row", check_filter, server),
    ]
    if arguments.transition:
        checks.append(("the page refreshes in place", check_live_refresh, server, arguments.transition))
    checks.append(("the controls", check_controls, server.base, arguments.user))
    if arguments.uncontrolled:
        checks.append(("the controls without manual control", check_controls, arguments.uncontrolled, arguments.user))

    failures = Failures()
    page = None
    try:
        page = StatusPage(arguments.user, arguments.password)
        for title, check, *check_arguments in checks:
            started, failed_before = time.monotonic(), len(failures.messages)
            try:
                check(page, failures, *check_arguments)
                page.drain_console()
            except (TimeoutError, WebDriverException, OSError, KeyError, TypeError, AttributeError) as error:
                # A WebDriver error's text ends in the driver's stack trace, of no use here.
                message = error.msg if isinstance(error, WebDriverException) else str(error)
                failures.expect(False, f"{title}: {type(error).__name__}: {message}")
            if len(failures.messages) == failed_before:
                print(f"ok: {title} ({time.monotonic() - started:.1f} s)", flush=True)
        print("checking the console over the whole run", flush=True)
        check_console(page, failures)
    except TimeLimitExceeded as error:
        failures.expect(False, str(error))
    finally:
        if page is not None:
            page.quit()
    if failures.messages:
        print(f"{len(failures.messages)} check(s) failed")
        return 1
    print("every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
