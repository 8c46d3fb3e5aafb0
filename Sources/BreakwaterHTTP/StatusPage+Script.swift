extension StatusPage {
    /// The page's script: refreshes the summary and the rows in place every few seconds (5, or
    /// `?refresh=` seconds from 1 to 3,600), keeping the scroll position, the filter and the open
    /// details, and says when the data is stale; filters rows by name (kept in `?q=`); shows a
    /// circuit's detail from `GET /circuits/{name}` when its name is clicked, with the manual
    /// controls when the body says they are enabled.
    ///
    /// It writes text only through `textContent`, never markup, so no name or reason can become
    /// markup; the rows it swaps in were escaped by the server. Details are keyed by the link the
    /// server wrote (the name percent-encoded), never by a name read back from the document, which
    /// HTML parsing may have normalised.
    static let script = #"""
        "use strict";
        (() => {
          const params = new URLSearchParams(location.search);
          const refreshSeconds = Math.min(3600, Math.max(1, Number(params.get("refresh")) || 5));
          // A refresh that has not answered by then is abandoned, and the page marked stale.
          const answerMilliseconds = Math.max(5000, refreshSeconds * 1000);
          const control = document.body.dataset.control === "enabled";
          const filter = document.getElementById("filter");
          const updated = document.getElementById("updated");
          const details = new Map();
          let lastUpdate = new Date();
          let refreshing = false;

          const element = (tag, text, className) => {
            const node = document.createElement(tag);
            if (text !== undefined) node.textContent = text;
            if (className) node.className = className;
            return node;
          };
          const seconds = (value) => value === null ? "–" : `${value} s`;
          const percent = (value) => value === null ? "–" : `${Math.round(value * 1000) / 10}%`;
          const time = (unix) => new Date(unix * 1000).toLocaleString();
          const label = (state) => ({ half_open: "half-open", forced_open: "forced open", metrics_only: "metrics-only" })[state] || state;
          const rows = () => document.querySelectorAll("#circuits tr.circuit");
          const linkOf = (row) => row.querySelector("td.name a").getAttribute("href");
          const ownerOf = (url) => [...rows()].find((row) => linkOf(row) === url);

          async function get(url, accept) {
            const response = await fetch(url, {
              cache: "no-store", headers: { Accept: accept }, signal: AbortSignal.timeout(answerMilliseconds),
            });
            if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
            return response;
          }

          function showUpdated() {
            updated.className = "";
            updated.textContent = `Updated ${lastUpdate.toLocaleTimeString()}, every ${refreshSeconds} s`;
          }

          function showStale(why) {
            updated.className = "stale";
            updated.textContent = `Not updated since ${lastUpdate.toLocaleTimeString()}: ${why}`;
          }

          function applyFilter() {
            const query = filter.value.trim().toLowerCase();
            let shown = 0;
            for (const row of rows()) {
              const match = query === "" || row.dataset.name.toLowerCase().includes(query);
              row.hidden = !match;
              const detail = details.get(linkOf(row));
              if (detail && detail.row) detail.row.hidden = !match;
              if (match) shown += 1;
            }
            document.getElementById("shown").textContent = query === "" ? "" : `${shown} of ${rows().length} shown`;
          }

          function configurationEntries(c) {
            const slidingWindow = c.slidingWindow.type === "count"
              ? `last ${c.slidingWindow.size} calls`
              : `last ${c.slidingWindow.duration} s in ${c.slidingWindow.buckets} buckets`;
            const open = c.openDuration.type === "fixed"
              ? seconds(c.openDuration.duration)
              : `${c.openDuration.initial} s, ×${c.openDuration.multiplier} per reopening up to ${c.openDuration.maximum} s, jitter ${percent(c.openDuration.jitter)}`;
            return [
              ["Failure rate threshold", percent(c.failureRateThreshold)],
              ["Slow-call rate threshold", percent(c.slowCallRateThreshold)],
              ["Slow call from", seconds(c.slowCallDurationThreshold)],
              ["Consecutive failures that open", c.consecutiveFailureThreshold === null ? "–" : String(c.consecutiveFailureThreshold)],
              ["Sliding window", slidingWindow],
              ["Minimum calls for a rate", String(c.minimumNumberOfCalls)],
              ["Open for", open],
              ["Half-open by itself", c.automaticTransitionFromOpenToHalfOpen ? "yes" : "on the next call"],
              ["Probe calls in half-open", String(c.permittedCallsInHalfOpen)],
              ["Longest wait in half-open", seconds(c.maximumWaitInHalfOpen)],
            ];
          }

          function transitionsTable(transitions) {
            const table = element("table", undefined, "transitions");
            const head = element("tr");
            for (const title of ["Time", "From", "To", "Reason"]) head.append(element("th", title));
            table.append(head);
            for (const t of transitions) {
              const row = element("tr");
              row.append(element("td", time(t.time)), element("td", label(t.from)), element("td", label(t.to)), element("td", t.reason));
              table.append(row);
            }
            if (transitions.length === 0) {
              const row = element("tr");
              const empty = element("td", "No transitions since the circuit was created.");
              empty.colSpan = 4;
              row.append(empty);
              table.append(row);
            }
            return table;
          }

          function renderDetail(url, detail) {
            const cell = element("td");
            cell.colSpan = document.querySelectorAll("#circuits thead th").length;
            const circuit = detail.circuit;
            if (circuit === null) {
              cell.append(element("p", detail.message || "Loading…"));
            } else {
              cell.append(element("h2", `${circuit.name}: ${label(circuit.state)}, ${circuit.consecutiveFailures} consecutive failures`));
              const list = element("dl");
              for (const [term, value] of configurationEntries(circuit.configuration)) {
                list.append(element("dt", term), element("dd", value));
              }
              cell.append(list);
              cell.append(element("h3", `Last ${circuit.recentTransitions.length} transitions, newest first`));
              cell.append(transitionsTable(circuit.recentTransitions));
              const footer = element("p", undefined, "controls");
              if (control) {
                for (const [action, title] of [["reset", "Reset"], ["force-open", "Force open"], ["disable", "Disable"], ["metrics-only", "Metrics only"]]) {
                  const button = element("button", title);
                  button.type = "button";
                  button.dataset.action = action;
                  button.disabled = detail.busy;
                  button.addEventListener("click", () => act(url, action));
                  footer.append(button);
                }
              }
              if (detail.message) footer.append(element("span", detail.message, "message"));
              cell.append(footer);
            }
            const row = element("tr", undefined, "detail");
            row.append(cell);
            return row;
          }

          function placeDetail(url) {
            const detail = details.get(url);
            const owner = ownerOf(url);
            if (!owner) {
              if (detail.row) detail.row.remove();
              details.delete(url);
              return;
            }
            const row = renderDetail(url, detail);
            row.dataset.name = owner.dataset.name;
            row.hidden = owner.hidden;
            if (detail.row && detail.row.isConnected) detail.row.replaceWith(row); else owner.after(row);
            detail.row = row;
          }

          // After the rows were swapped: the same detail row, focus and all, below its circuit's
          // new row; gone with the circuit.
          function reattach(url) {
            const detail = details.get(url);
            const owner = ownerOf(url);
            if (!owner || !detail.row) {
              placeDetail(url);
              return;
            }
            owner.after(detail.row);
            detail.row.hidden = owner.hidden;
          }

          // Each request for a detail is numbered; an answer to an older one (a load overtaken
          // by a change) is dropped, so the detail never goes back in time. An answer equal to
          // what is shown changes nothing, so a button being clicked is not replaced under it.
          async function loadDetail(url) {
            const detail = details.get(url);
            if (!detail) return;
            const request = ++detail.requests;
            let text = null;
            let failure = null;
            try {
              text = await (await get(url, "application/json")).text();
            } catch (error) {
              failure = `Could not load the circuit: ${error.message}`;
            }
            if (details.get(url) !== detail || request !== detail.requests) return;
            if (text !== null) {
              if (detail.loadFailed) detail.message = null;
              detail.loadFailed = false;
              if (text === detail.json && detail.row && detail.row.isConnected) return;
              detail.json = text;
              detail.circuit = JSON.parse(text);
            } else {
              detail.message = failure;
              detail.loadFailed = true;
            }
            placeDetail(url);
          }

          async function act(url, action) {
            const detail = details.get(url);
            if (!detail || detail.busy) return;
            const request = ++detail.requests;
            detail.busy = true;
            detail.message = `${action}…`;
            placeDetail(url);
            try {
              const response = await fetch(url, {
                method: "POST", cache: "no-store", signal: AbortSignal.timeout(answerMilliseconds),
                headers: { "Content-Type": "application/json", Accept: "application/json" },
                body: JSON.stringify({ action }),
              });
              if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
              const text = await response.text();
              if (request === detail.requests) {
                detail.json = text;
                detail.circuit = JSON.parse(text);
              }
              detail.message = `Done: ${action}.`;
            } catch (error) {
              detail.message = `Not done: ${error.message}`;
            }
            detail.busy = false;
            detail.loadFailed = false;
            if (details.get(url) === detail) placeDetail(url);
            await refresh();
          }

          document.addEventListener("click", (event) => {
            const link = event.target.closest("#circuits tr.circuit td.name a");
            if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
            event.preventDefault();
            const url = link.getAttribute("href");
            const open = details.get(url);
            if (open) {
              if (open.row) open.row.remove();
              details.delete(url);
              return;
            }
            details.set(url, { circuit: null, json: null, message: null, loadFailed: false, busy: false, row: null, requests: 0 });
            placeDetail(url);
            loadDetail(url);
          });

          filter.value = params.get("q") || "";
          filter.addEventListener("input", () => {
            const url = new URL(location.href);
            if (filter.value === "") url.searchParams.delete("q"); else url.searchParams.set("q", filter.value);
            history.replaceState(null, "", url);
            applyFilter();
          });

          async function refresh() {
            if (refreshing) {
              showStale("the server has not answered yet");
              return;
            }
            refreshing = true;
            try {
              const response = await get(location.pathname, "text/html");
              const page = new DOMParser().parseFromString(await response.text(), "text/html");
              for (const id of ["summary", "circuits"]) {
                const fresh = page.getElementById(id);
                const current = document.getElementById(id);
                if (fresh && current) current.replaceWith(document.adoptNode(fresh));
              }
              applyFilter();
              for (const url of [...details.keys()]) {
                reattach(url);
                loadDetail(url);
              }
              lastUpdate = new Date();
              showUpdated();
            } catch (error) {
              showStale(error.name === "TimeoutError" ? "the server did not answer" : error.message);
            } finally {
              refreshing = false;
            }
          }

          applyFilter();
          showUpdated();
          setInterval(() => { if (!document.hidden) refresh(); }, refreshSeconds * 1000);
        })();

        """#
}
