extension MonitorPage {
    /// The page's script (see `MonitorPage`).
    static let script = #"""
    'use strict';
    const NS = 'http://www.w3.org/2000/svg';
    const $ = (id) => document.getElementById(id);
    const page = { metrics: [], xs: [], ys: [], lastTick: -1, frames: 0, ticks: 0, state: 'connecting', charts: [],
                   books: [], tape: [], exchanges: [], finished: false, dirty: false, ws: null };

    function el(tag, text, cls) {
      const e = document.createElement(tag);
      if (text !== undefined && text !== null) e.textContent = String(text);
      if (cls) e.className = cls;
      return e;
    }
    function svgEl(tag, attrs, text) {
      const e = document.createElementNS(NS, tag);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = String(text);
      return e;
    }
    function fmt(v) {
      if (v === null || v === undefined || !isFinite(v)) return '–';
      const a = Math.abs(v);
      if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
      return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 3 });
    }
    function duration(s) {
      if (s === null || s === undefined || !isFinite(s)) return '–';
      if (s < 60) return s.toFixed(1) + ' s';
      const m = Math.floor(s / 60); return m + ' min ' + Math.round(s - 60 * m) + ' s';
    }
    function download(name, type, data) {
      const url = URL.createObjectURL(new Blob([data], { type }));
      const a = el('a'); a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }
    function savePNG(svg, name) {
      const text = new XMLSerializer().serializeToString(svg);
      const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
      const img = new Image();
      img.onload = () => {
        const c = document.createElement('canvas'); c.width = svg.viewBox.baseVal.width * 2; c.height = svg.viewBox.baseVal.height * 2;
        const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); g.drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob((b) => { if (b) download(name + '.png', 'image/png', b); });
      };
      img.src = url;
    }
    function safeName(s) { return String(s).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'chart'; }

    // Ticks of an axis from lo to hi: about n round values.
    function niceTicks(lo, hi, n) {
      if (!(hi > lo)) { const d = Math.abs(lo) || 1; lo -= d / 2; hi += d / 2; }
      const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
      const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
      const out = []; for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
      return { lo: Math.min(lo, out[0] ?? lo), hi: Math.max(hi, out[out.length - 1] ?? hi), ticks: out };
    }

    // A line chart of ys against xs (nulls leave gaps), with its axes, labels and units.
    function drawLine(svg, xs, ys, xLabel, yLabel) {
      while (svg.firstChild) svg.firstChild.remove();
      const W = 340, H = 170, L = 58, R = 10, T = 8, B = 34;
      svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
      let lo = Infinity, hi = -Infinity, n = 0;
      for (const y of ys) if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); n++; }
      if (n === 0) { svg.appendChild(svgEl('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no value yet')); return 0; }
      const yt = niceTicks(lo, hi, 4), x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1), xt = niceTicks(x0, x1, 5);
      const sx = (x) => L + (x - xt.lo) / (xt.hi - xt.lo) * (W - L - R), sy = (y) => H - B - (y - yt.lo) / (yt.hi - yt.lo) * (H - T - B);
      for (const v of yt.ticks) {
        svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: 'grid-line' }));
        svg.appendChild(svgEl('text', { x: L - 4, y: sy(v) + 4, 'text-anchor': 'end' }, fmt(v)));
      }
      for (const v of xt.ticks) svg.appendChild(svgEl('text', { x: sx(v), y: H - B + 14, 'text-anchor': 'middle' }, fmt(v)));
      svg.appendChild(svgEl('line', { x1: L, x2: L, y1: T, y2: H - B, class: 'axis' }));
      svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
      svg.appendChild(svgEl('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, xLabel));
      svg.appendChild(svgEl('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, yLabel));
      // At most about one point per pixel is drawn.
      const every = Math.max(1, Math.floor(xs.length / 300));
      let d = '', pen = false;
      for (let i = 0; i < xs.length; i += every) {
        const y = ys[i];
        if (y === null) { pen = false; continue; }
        d += (pen ? 'L' : 'M') + sx(xs[i]).toFixed(1) + ' ' + sy(y).toFixed(1); pen = true;
      }
      svg.appendChild(svgEl('path', { d, class: 'line' }));
      return n;
    }

    // Bars over bins [edges[i], edges[i+1]), each bin named on the x axis.
    function drawHistogram(svg, edges, counts, xLabel) {
      while (svg.firstChild) svg.firstChild.remove();
      const W = 340, H = 170, L = 58, R = 10, T = 8, B = 34;
      svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
      const top = Math.max(1, ...counts), yt = niceTicks(0, top, 4), bw = (W - L - R) / Math.max(1, counts.length);
      const sy = (y) => H - B - (y - yt.lo) / (yt.hi - yt.lo) * (H - T - B);
      for (const v of yt.ticks) {
        svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: 'grid-line' }));
        svg.appendChild(svgEl('text', { x: L - 4, y: sy(v) + 4, 'text-anchor': 'end' }, fmt(v)));
      }
      counts.forEach((c, i) => {
        svg.appendChild(svgEl('rect', { x: L + i * bw + 1, y: sy(c), width: Math.max(1, bw - 2), height: sy(0) - sy(c), class: 'bar-mark' }));
        if (counts.length <= 12 || i % Math.ceil(counts.length / 12) === 0)
          svg.appendChild(svgEl('text', { x: L + (i + 0.5) * bw, y: H - B + 14, 'text-anchor': 'middle' }, fmt(edges[i])));
      });
      svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
      svg.appendChild(svgEl('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, xLabel));
      svg.appendChild(svgEl('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, 'people'));
    }

    // One card per metric, grouped by what comes before the dot (an instrument), with its saves.
    function buildCharts() {
      onScreen.disconnect();
      const box = $('metrics'); while (box.firstChild) box.firstChild.remove();
      const groups = new Map();
      page.metrics.forEach((name, i) => {
        const dot = name.lastIndexOf('.'), group = dot > 0 ? name.slice(0, dot) : 'Model';
        if (!groups.has(group)) groups.set(group, []);
        groups.get(group).push(i);
      });
      page.charts = [];
      for (const [group, members] of groups) {
        const section = el('section', null, 'panel'); section.appendChild(el('h2', group === 'Model' ? 'Metrics' : 'Metrics of ' + group));
        const grid = el('div', null, 'grid'); section.appendChild(grid); box.appendChild(section);
        for (const i of members) {
          const card = el('figure', null, 'chart'), name = page.metrics[i];
          const tools = el('span', null, 'tools'), title = el('h3', name);
          const svg = svgEl('svg', { role: 'img', 'aria-label': name, xmlns: NS });
          const chart = { index: i, name, svg, card, drawn: 0, visible: false, stale: true };
          for (const [label, act] of [['SVG', () => download(safeName(name) + '.svg', 'image/svg+xml', new XMLSerializer().serializeToString(svg))],
                                      ['PNG', () => savePNG(svg, safeName(name))],
                                      ['CSV', () => download(safeName(name) + '.csv', 'text/csv', csv(i))]]) {
            const b = el('button', label); b.type = 'button'; b.addEventListener('click', act); tools.appendChild(b);
          }
          card.append(tools, title, svg); grid.appendChild(card); page.charts.push(chart); onScreen.observe(card);
        }
      }
    }
    // The y axis's label: the metric's own name (after its instrument) and its unit, where known.
    const units = { last: 'price units', mid: 'price units', spread: 'price units', fundamental: 'price units', volume: 'shares',
                    orders: 'per tick', fills: 'per tick', rejects: 'per tick', posts: 'per tick', likes: 'per tick',
                    follows: 'per tick', unfollows: 'per tick', aware: 'people' };
    function yLabel(name) {
      const field = name.slice(name.lastIndexOf('.') + 1), unit = units[field];
      const text = unit ? field + ' (' + unit + ')' : field;
      return text.length > 30 ? text.slice(0, 29) + '…' : text;
    }
    function csv(i) {
      let out = 'tick,' + JSON.stringify(page.metrics[i]) + '\n';
      page.xs.forEach((x, k) => { const y = page.ys[i][k]; out += x + ',' + (y === null ? '' : y) + '\n'; });
      return out;
    }
    function addRows(rows) {
      for (const row of rows || []) {
        if (row[0] <= page.lastTick) continue;
        page.lastTick = row[0]; page.xs.push(row[0]);
        for (let i = 0; i < page.metrics.length; i++) page.ys[i].push(row[i + 1] ?? null);
      }
      page.dirty = true;
      scheduleRedraw();
    }
    // Charts are redrawn at most every two seconds while the run goes (at once while it is held), and
    // only when new rows came; nothing runs between frames, and charts off screen skip their
    // paint (content-visibility): a watched run shares its machine with the browser.
    let lastDraw = 0, drawPending = false;
    function scheduleRedraw() {
      // A held or finished run is drawn at once, whatever waits.
      if (page.state !== 'running') { requestAnimationFrame(redraw); return; }
      if (drawPending) return;
      drawPending = true;
      const wait = Math.max(0, 2000 - (performance.now() - lastDraw));
      setTimeout(() => { drawPending = false; requestAnimationFrame(redraw); }, wait);
    }
    // While the run goes only the charts on screen are drawn; the others when they come into
    // view, and all of them once the run is held or over.
    const onScreen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const c = page.charts.find((x) => x.card === e.target);
        if (!c) continue;
        c.visible = e.isIntersecting;
        if (c.visible && c.stale) { page.dirty = true; scheduleRedraw(); }
      }
    }, { rootMargin: '200px' });
    function redraw() {
      lastDraw = performance.now();
      if (!page.dirty) return;
      page.dirty = false;
      const all = page.state !== 'running';
      for (const c of page.charts) {
        if (!all && !c.visible) { c.stale = true; continue; }
        c.stale = false;
        c.drawn = drawLine(c.svg, page.xs, page.ys[c.index], 'tick', yLabel(c.name));
      }
      document.body.dataset.charts = String(page.charts.filter((c) => c.drawn > 0).length);
    }

    function welcome(m) {
      page.metrics = m.metrics || []; page.ticks = m.ticks || 0; page.xs = []; page.ys = page.metrics.map(() => []); page.lastTick = -1;
      const run = m.run || {};
      $('title').textContent = 'Agora monitor: ' + (run.scenario ?? 'run');
      $('about').textContent = [run.model && ('model ' + run.model), run.run_id && ('run ' + run.run_id),
                                run.agents !== undefined && (fmt(run.agents) + ' agents'), page.ticks + ' ticks',
                                run.seed !== undefined && ('seed ' + run.seed)].filter(Boolean).join(' · ');
      buildCharts(); addRows(m.history); setState(m.state);
      document.body.dataset.welcome = 'true';
    }
    function setState(s) {
      page.state = s; document.body.dataset.state = s;
      const b = $('state'); b.textContent = s; b.className = 'badge ' + s;
      const over = s === 'finished'; for (const id of ['pause', 'resume', 'step']) $(id).disabled = over;
    }
    function frame(m) {
      page.frames++; document.body.dataset.frames = String(page.frames);
      setState(m.state); addRows(m.rows);
      const done = m.tick ?? 0; document.body.dataset.tick = String(done);
      $('progress').value = m.ticks ? done / m.ticks : 0;
      $('progress-text').textContent = `tick ${fmt(done)} of ${fmt(m.ticks)} · ${fmt(Math.round((m.ticks_per_s ?? 0) * 10) / 10)} ticks/s · ` +
        (m.state === 'finished' ? 'done in ' + duration(m.elapsed_s) : 'ETA ' + duration(m.eta_s)) + (m.digest ? ' · digest ' + m.digest : '');
      $('dropped').textContent = m.dropped ? `${m.dropped} frame${m.dropped === 1 ? '' : 's'} missed (this page read too slowly)` : '';
      document.body.dataset.dropped = String(m.dropped ?? 0);
      if (m.state === 'finished') page.finished = true;
      if (m.live) live(m.live);
    }

    function live(v) {
      if (v.books && v.books.length) {
        const key = JSON.stringify(v.books);
        if (key !== page.booksKey) { page.booksKey = key; $('market').hidden = false; page.books = v.books; books(); }
      }
      if (v.trades && v.trades.length) { page.tape = v.trades.concat(page.tape).slice(0, 25); tape(); }
      const changed = (part, value) => { const key = JSON.stringify(value); if (page[part] === key) return false; page[part] = key; return true; };
      if (((v.histograms && v.histograms.length) || (v.figures && v.figures.length)) && changed('networkKey', [v.histograms, v.figures])) {
        $('network').hidden = false; network(v);
      }
      if (v.llm && v.llm.length && changed('llmKey', [v.llm, v.exchanges])) { $('llm').hidden = false; llm(v); }
    }
    function books() {
      const sel = $('instrument'), names = page.books.map((b) => b.instrument);
      if (sel.options.length !== names.length || [...sel.options].some((o, i) => o.value !== names[i])) {
        const keep = sel.value; while (sel.firstChild) sel.firstChild.remove();
        for (const n of names) { const o = el('option', n); o.value = n; sel.appendChild(o); }
        if (names.includes(keep)) sel.value = keep;
      }
      const b = page.books.find((x) => x.instrument === sel.value) || page.books[0];
      const badge = $('book-state'); badge.textContent = b.state.replace(/_/g, ' ');
      badge.className = 'badge ' + (b.state === 'halted' ? 'halted' : b.state === 'continuous' ? '' : 'call');
      $('book-last').textContent = 'last ' + (b.last > 0 ? fmt(b.last) : '–');
      const t = $('ladder'); while (t.firstChild) t.firstChild.remove();
      const head = el('tr'); for (const h of ['bid size', 'bid', 'ask', 'ask size']) head.appendChild(el('th', h)); t.appendChild(head);
      const depth = Math.max(b.bids.length, b.asks.length), top = Math.max(1, ...b.bids.map((l) => l[1]), ...b.asks.map((l) => l[1]));
      for (let i = 0; i < depth; i++) {
        const r = el('tr'), bid = b.bids[i], ask = b.asks[i];
        const size = (l) => { const td = el('td'); if (l) { const bar = el('span', null, 'bar'); bar.style.width = Math.round(60 * l[1] / top) + 'px'; td.append(bar, ' ' + fmt(l[1])); } return td; };
        r.append(size(bid), el('td', bid ? fmt(bid[0]) : '', 'bid'), el('td', ask ? fmt(ask[0]) : '', 'ask'), size(ask));
        t.appendChild(r);
      }
      document.body.dataset.ladder = String(depth);
    }
    function tape() {
      const t = $('tape'); while (t.firstChild) t.firstChild.remove();
      const head = el('tr'); for (const h of ['tick', 'instrument', 'price', 'quantity', 'aggressor']) head.appendChild(el('th', h)); t.appendChild(head);
      for (const x of page.tape) {
        const r = el('tr'); r.append(el('td', x.tick), el('td', x.instrument), el('td', fmt(x.price)), el('td', fmt(x.quantity)), el('td', x.aggressor));
        t.appendChild(r);
      }
    }
    function network(v) {
      const f = $('network-figures'); while (f.firstChild) f.firstChild.remove();
      f.appendChild(el('p', (v.figures || []).map(([k, x]) => k.replace(/\./g, ' ') + ' ' + fmt(x)).join(' · '), 'quiet'));
      const box = $('histograms'); while (box.firstChild) box.firstChild.remove();
      for (const h of v.histograms || []) {
        const card = el('figure', null, 'chart'), svg = svgEl('svg', { role: 'img', 'aria-label': h.title, xmlns: NS });
        card.append(el('h3', h.title), svg); box.appendChild(card); drawHistogram(svg, h.edges, h.counts, h.x_label);
      }
    }
    function llm(v) {
      const t = $('llm-figures'); while (t.firstChild) t.firstChild.remove();
      for (const [k, x] of v.llm) {
        if (k.startsWith('llm.fallback.') && !x) continue;
        const r = el('tr'); r.append(el('td', k.replace(/^llm\./, '').replace(/_/g, ' ')), el('td', fmt(x))); t.appendChild(r);
      }
      if (!v.exchanges || !v.exchanges.length) return;
      // The latest twenty, newest first: a frame carries the questions of the tick it was sent after.
      const seen = new Set(page.exchanges.map((e) => e.tick + '/' + e.agent));
      page.exchanges = v.exchanges.filter((e) => !seen.has(e.tick + '/' + e.agent)).reverse().concat(page.exchanges).slice(0, 20);
      const box = $('exchanges'); while (box.firstChild) box.firstChild.remove();
      for (const e of page.exchanges) {
        const d = el('div', null, 'exchange');
        d.append(el('div', `tick ${e.tick} · agent ${e.agent} · ${e.status}`, 'quiet'), el('pre', e.question), el('pre', e.answer));
        box.appendChild(d);
      }
      document.body.dataset.exchanges = String(page.exchanges.length);
    }

    function send(cmd) { if (page.ws && page.ws.readyState === 1) page.ws.send(JSON.stringify(cmd)); }
    $('pause').addEventListener('click', () => send({ action: 'pause' }));
    $('resume').addEventListener('click', () => send({ action: 'resume' }));
    $('step').addEventListener('click', () => send({ action: 'step', ticks: Math.max(1, parseInt($('step-ticks').value, 10) || 1) }));
    $('instrument').addEventListener('change', books);

    function connect() {
      const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/socket');
      page.ws = ws;
      ws.onopen = () => { document.body.dataset.connected = 'true'; };
      ws.onmessage = (ev) => {
        let m; try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m.type === 'welcome') welcome(m); else if (m.type === 'frame') frame(m);
      };
      ws.onclose = () => {
        document.body.dataset.connected = 'false';
        if (page.finished) { $('progress-text').textContent += ' · the run has ended'; return; }
        $('progress-text').textContent = 'disconnected; trying again…'; setTimeout(connect, 2000);
      };
    }
    connect();
    """#
}
