extension StatusPage {
    /// The page's script: refreshes the summary and the rows in place every few seconds (5, or
    /// `?refresh=` seconds), keeping the scroll position, the filter and the open details; filters
    /// rows by name (kept in `?q=`); shows a circuit's detail from `GET /circuits/{name}` when its
    /// name is clicked, with the manual controls when the body says they are enabled.
    ///
    /// It writes text only through `textContent`, never markup, so no name or reason can become
    /// markup; the rows it swaps in were escaped by the server.
    static let script = #"""
        "use strict";
        (() => {
          const params = new URLSearchParams(location.search);
          const refreshSeconds = Math.max(1, Number(params.get("refresh")) || 5);
          const control = document.body.dataset.control === "enabled";
          const filter = document.getElementById("filter");
          const updated = document.getElementById("updated");
          const details = new Map();
          let lastUpdate = new Date();

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
          const circuitURL = (name) => `/circuits/${encodeURIComponent(name)}`;

          function applyFilter() {
            const query = filter.value.trim().toLowerCase();
            let shown = 0;
            for (const row of rows()) {
              const match = query === "" || row.dataset.name.toLowerCase().includes(query);
              row.hidden = !match;
              const detail = details.get(row.dataset.name);
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

          function renderDetail(name, circuit, message) {
            const cell = element("td");
            cell.colSpan = document.querySelectorAll("#circuits thead th").length;
            if (circuit === null) {
              cell.append(element("p", message || "Loading…"));
            } else {
              cell.append(element("h2", `${circuit.name}: ${label(circuit.state)}, ${circuit.consecutiveFailures} consecutive failures`));
              const list = element("dl");
              for (const [term, value] of configurationEntries(circuit.configuration)) {
                list.append(element("dt", term), element("dd", value));
              }
              cell.append(list);
              const transitions = element("table", undefined, "transitions");
              const head = element("tr");
              for (const title of ["Time", "From", "To", "Reason"]) head.append(element("th", title));
              transitions.append(head);
              for (const t of circuit.recentTransitions) {
                const row = element("tr");
                row.append(element("td", time(t.time)), element("td", label(t.from)), element("td", label(t.to)), element("td", t.reason));
                transitions.append(row);
              }
              if (circuit.recentTransitions.length === 0) {
                const row = element("tr");
                const empty = element("td", "No transitions since the circuit was created.");
                empty.colSpan = 4;
                row.append(empty);
                transitions.append(row);
              }
              cell.append(element("h3", `Last ${circuit.recentTransitions.length} transitions, newest first`), transitions);
              if (control) {
                const actions = element("p", undefined, "controls");
                for (const [action, title] of [["reset", "Reset"], ["force-open", "Force open"], ["disable", "Disable"], ["metrics-only", "Metrics only"]]) {
                  const button = element("button", title);
                  button.type = "button";
                  button.dataset.action = action;
                  button.addEventListener("click", () => act(name, action));
                  actions.append(button);
                }
                if (message) actions.append(element("span", message, "message"));
                cell.append(actions);
              }
            }
            const row = element("tr", undefined, "detail");
            row.dataset.name = name;
            row.append(cell);
            return row;
          }

          function placeDetail(name) {
            const detail = details.get(name);
            const owner = [...rows()].find((row) => row.dataset.name === name);
            if (!owner) {
              if (detail.row) detail.row.remove();
              details.delete(name);
              return;
            }
            const row = renderDetail(name, detail.circuit, detail.message);
            if (detail.row && detail.row.isConnected) detail.row.replaceWith(row); else owner.after(row);
            detail.row = row;
          }

          // Each request for a detail is numbered; an answer to an older one (a load overtaken
          // by a change) is dropped, so the detail never goes back in time.
          async function loadDetail(name) {
            const detail = details.get(name);
            if (!detail) return;
            const request = ++detail.requests;
            let circuit = null;
            let message = null;
            try {
              const response = await fetch(circuitURL(name), { cache: "no-store", headers: { Accept: "application/json" } });
              if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
              circuit = await response.json();
            } catch (error) {
              message = `Could not load the circuit: ${error.message}`;
            }
            if (details.get(name) !== detail || request !== detail.requests) return;
            if (circuit) detail.circuit = circuit; else detail.message = message;
            placeDetail(name);
          }

          async function act(name, action) {
            const detail = details.get(name);
            const request = ++detail.requests;
            try {
              const response = await fetch(circuitURL(name), {
                method: "POST", cache: "no-store",
                headers: { "Content-Type": "application/json", Accept: "application/json" },
                body: JSON.stringify({ action }),
              });
              if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
              const circuit = await response.json();
              if (request === detail.requests) detail.circuit = circuit;
              detail.message = `Done: ${action}.`;
            } catch (error) {
              detail.message = `Not done: ${error.message}`;
            }
            await refresh();
          }

          document.addEventListener("click", (event) => {
            const link = event.target.closest("#circuits tr.circuit td.name a");
            if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
            event.preventDefault();
            const name = link.closest("tr").dataset.name;
            const open = details.get(name);
            if (open) {
              if (open.row) open.row.remove();
              details.delete(name);
              return;
            }
            details.set(name, { circuit: null, message: null, row: null, requests: 0 });
            placeDetail(name);
            loadDetail(name);
          });

          filter.value = params.get("q") || "";
          filter.addEventListener("input", () => {
            const url = new URL(location.href);
            if (filter.value === "") url.searchParams.delete("q"); else url.searchParams.set("q", filter.value);
            history.replaceState(null, "", url);
            applyFilter();
          });

          async function refresh() {
            try {
              const response = await fetch(location.pathname, { cache: "no-store", headers: { Accept: "text/html" } });
              if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
              const page = new DOMParser().parseFromString(await response.text(), "text/html");
              for (const id of ["summary", "circuits"]) {
                const fresh = page.getElementById(id);
                const current = document.getElementById(id);
                if (fresh && current) current.replaceWith(document.adoptNode(fresh));
              }
              for (const name of [...details.keys()]) {
                details.get(name).row = null;
                placeDetail(name);
                loadDetail(name);
              }
              applyFilter();
              lastUpdate = new Date();
              updated.className = "";
              updated.textContent = `Updated ${lastUpdate.toLocaleTimeString()}, every ${refreshSeconds} s`;
            } catch (error) {
              updated.className = "stale";
              updated.textContent = `Not updated since ${lastUpdate.toLocaleTimeString()}: ${error.message}`;
            }
          }

          applyFilter();
          updated.textContent = `Updated ${lastUpdate.toLocaleTimeString()}, every ${refreshSeconds} s`;
          setInterval(() => { if (!document.hidden) refresh(); }, refreshSeconds * 1000);
        })();

        """#
}
