/// The live page: HTML, style and script, served by `MonitorServer` and loading nothing else.
///
/// The script builds everything with DOM calls: every text from the run (a metric's, an
/// instrument's or a persona's name, an LLM's answer) is set as text, never parsed as markup.
/// It reports what it has done on `document.body`'s data attributes (connected, frames, tick,
/// state, charts drawn), which the browser tests read.
enum MonitorPage {
    static let html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Agora monitor</title><link rel="stylesheet" href="/monitor.css"></head>
    <body data-connected="false" data-frames="0" data-tick="0" data-state="connecting" data-charts="0">
    <header><h1 id="title">Agora monitor</h1><p id="about"></p></header>
    <section id="progress-box" class="panel">
      <div class="row"><progress id="progress" max="1" value="0"></progress><span id="progress-text">connecting…</span></div>
      <div class="row" id="controls">
        <button id="pause" type="button">Pause</button><button id="resume" type="button">Resume</button>
        <label>Step <input id="step-ticks" type="number" min="1" max="1000000" value="10"> ticks</label>
        <button id="step" type="button">Step</button><span id="state" class="badge">connecting</span>
        <span id="dropped" class="quiet"></span>
      </div>
    </section>
    <section id="market" class="panel" hidden><h2>Market</h2>
      <div class="row"><label>Instrument <select id="instrument"></select></label><span id="book-state" class="badge"></span>
      <span id="book-last" class="quiet"></span></div>
      <div class="columns"><div><h3>Order book</h3><table id="ladder" class="numbers"></table></div>
      <div><h3>Trades of the last tick sent</h3><table id="tape" class="numbers"></table></div></div>
    </section>
    <section id="network" class="panel" hidden><h2>Network</h2><div id="network-figures"></div><div id="histograms" class="grid"></div></section>
    <section id="llm" class="panel" hidden><h2>LLM</h2><div class="columns"><div><h3>Totals</h3><table id="llm-figures" class="numbers"></table></div>
      <div><h3>Latest questions and answers</h3><div id="exchanges"></div></div></div></section>
    <section id="metrics"></section>
    <script src="/monitor.js"></script>
    </body></html>
    """

    static let style = """
    :root { --ink: #1d2430; --quiet: #667085; --line: #d0d5dd; --accent: #1f6feb; --bid: #1a7f37; --ask: #cf222e; }
    * { box-sizing: border-box; }
    body { font: 14px/1.4 system-ui, sans-serif; color: var(--ink); margin: 0 auto; padding: 16px; max-width: 1400px; background: #f6f8fa; }
    h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 0 0 8px; } h3 { font-size: 13px; margin: 8px 0 4px; color: var(--quiet); }
    header p { margin: 0 0 12px; color: var(--quiet); }
    .panel, .chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; margin-bottom: 12px; }
    .row { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 6px; }
    progress { width: 320px; height: 14px; }
    .badge { padding: 2px 8px; border-radius: 10px; background: #eef; font-size: 12px; }
    .badge.paused, .badge.halted { background: #fff1c2; } .badge.finished { background: #dafbe1; }
    .badge.call { background: #ffe2cc; }
    .quiet { color: var(--quiet); }
    .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
    .chart { margin: 0; content-visibility: auto; contain-intrinsic-size: auto 240px; } .chart h3 { margin: 0 0 4px; color: var(--ink); overflow-wrap: anywhere; }
    .chart .tools { float: right; } .chart .tools button { font-size: 11px; margin-left: 4px; }
    table.numbers { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    table.numbers td, table.numbers th { padding: 2px 6px; text-align: right; border-bottom: 1px solid #eee; }
    td.bid { color: var(--bid); } td.ask { color: var(--ask); }
    .bar { display: inline-block; height: 8px; background: #c8d1dc; vertical-align: middle; }
    .exchange { border-top: 1px solid #eee; padding: 6px 0; }
    .exchange pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 160px; overflow: auto; background: #f6f8fa; padding: 6px; margin: 4px 0; }
    svg text { font: 11px system-ui, sans-serif; fill: var(--quiet); }
    svg .line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
    svg .axis { stroke: #98a2b3; } svg .grid-line { stroke: #eaecf0; } svg rect.bar-mark { fill: var(--accent); }
    """
}
