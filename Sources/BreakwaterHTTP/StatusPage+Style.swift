extension StatusPage {
    /// The inline stylesheet; each ``CircuitState`` has a class that colours its cell.
    static let style = """
        body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #1f2328; }
        header { display: flex; align-items: baseline; gap: 2em; flex-wrap: wrap; }
        h1 { font-size: 1.5em; margin: 0 0 0.4em; }
        .summary { font-size: 1.1em; padding: 0.5em 0.8em; border-radius: 6px; background: #f6f8fa; }
        .summary.alarm { background: #ffebe9; }
        .count.none { color: #8c959f; }
        .tools { display: flex; gap: 1em; align-items: center; }
        #filter { font: inherit; padding: 0.3em 0.5em; width: 22em; }
        #updated.stale { color: #cf222e; font-weight: 600; }
        table { border-collapse: collapse; }
        th { position: sticky; top: 0; background: #fff; }
        th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #d0d7de; text-align: left; vertical-align: top; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.state { color: #fff; font-weight: 600; white-space: nowrap; }
        td.name a { color: inherit; }
        small { color: #57606a; }
        .over { color: #cf222e; font-weight: 600; }
        tr.detail > td { background: #f6f8fa; padding: 0.8em 1.5em; }
        tr.detail dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.5em; margin: 0 0 1em; }
        tr.detail dt { color: #57606a; }
        tr.detail dd { margin: 0; }
        tr.detail table { margin-bottom: 1em; }
        tr.detail button { font: inherit; margin-right: 0.5em; }
        .state-closed { background: #1a7f37; }
        .state-half-open { background: #bf8700; }
        .state-open { background: #cf222e; }
        .state-forced-open { background: #82071e; }
        .state-disabled { background: #6e7781; }
        .state-metrics-only { background: #0969da; }
        .count.state-closed, .count.state-half-open, .count.state-open, .count.state-forced-open,
        .count.state-disabled, .count.state-metrics-only { background: none; }

        """
}
