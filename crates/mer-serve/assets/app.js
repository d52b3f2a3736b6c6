// mer serve: the page. No framework, no network beyond this server.
// Values arrive on the chosen scale (the server converts, as `mer predict --scale` does);
// plots work in "unit" coordinates [-1, 1] and label their ticks on the scale.
'use strict';
(() => {
  const $ = (s) => document.querySelector(s);
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, parent) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  };
  // (low, neutral, high) of each scale: the same as mer_predict::Scale::range.
  const SCALES = { '-1..1': [-1, 0, 1], '1..9': [1, 5, 9], '0..1': [0, 0.5, 1] };
  const QNAMES = { 1: 'happy · exciting', 2: 'tense · angry', 3: 'sad · gloomy', 4: 'calm · serene' };
  const QAXES = { 1: 'energetic, positive', 2: 'energetic, negative', 3: 'calm, negative', 4: 'calm, positive' };

  const state = {
    scale: '-1..1',
    // Zoomed to the data (true) or the whole scale, per plot.
    fit: { plane: true, series: false, scatter: false },
    info: null,
    track: null, // the prediction JSON
    source: null, // { id, name, kind: 'track' | 'upload' }
    lib: { offset: 0, limit: 50, sort: 'path', order: 'asc', q: '', quadrants: new Set() },
    libRows: [],
    points: [],
    pointsPage: null,
    playing: false,
  };

  const audio = $('#audio');
  const toUnit = (x) => {
    const [, mid, hi] = SCALES[state.scale];
    return (x - mid) / (hi - mid);
  };
  const fromUnit = (u) => {
    const [, mid, hi] = SCALES[state.scale];
    return mid + u * (hi - mid);
  };
  const fmtVal = (x) => {
    if (x == null || Number.isNaN(x)) return '–';
    const s = state.scale === '1..9' ? x.toFixed(1) : x.toFixed(2);
    return s.replace('-', '−');
  };
  const fmtTick = (u) => {
    const x = fromUnit(u);
    const r = Math.round(x * 100) / 100;
    return String(r).replace('-', '−');
  };
  const fmtTime = (t) => {
    if (!Number.isFinite(t)) return '0:00';
    const m = Math.floor(t / 60);
    const s = Math.floor(t % 60);
    return `${m}:${String(s).padStart(2, '0')}`;
  };
  const quadrantOf = (a, v) => (a >= 0 ? (v >= 0 ? 1 : 2) : v >= 0 ? 4 : 3);

  async function api(url, opts) {
    const r = await fetch(url, opts);
    let body = null;
    try {
      body = await r.json();
    } catch (_) {
      body = null;
    }
    if (!r.ok) {
      const msg = body && body.error ? body.error : `${r.status} ${r.statusText}`;
      throw new Error(msg);
    }
    return body;
  }

  // ---------- status line ----------
  function setStatus(text, kind) {
    const el = $('#status');
    el.className = 'status' + (kind === 'error' ? ' error' : '');
    el.textContent = '';
    if (!text) return;
    if (kind === 'busy') {
      const sp = document.createElement('span');
      sp.className = 'spinner';
      el.appendChild(sp);
    }
    el.appendChild(document.createTextNode(text));
  }

  // ---------- the valence–arousal plane ----------
  const PLANE = { size: 560, l: 66, r: 18, t: 18, b: 58 };

  function niceStep(span) {
    for (const s of [0.05, 0.1, 0.2, 0.25, 0.5]) if (span / s <= 8) return s;
    return 0.5;
  }

  // Draws the plane's background in `el` for the unit-space view {x0, x1, y0, y1};
  // returns { X, Y, content } (mappers and a group clipped to the plot area).
  function drawPlaneFrame(el, view, opts) {
    el.textContent = '';
    const { size, l, r, t, b } = PLANE;
    const w = size - l - r;
    const h = size - t - b;
    const X = (v) => l + ((v - view.x0) / (view.x1 - view.x0)) * w;
    const Y = (a) => t + (1 - (a - view.y0) / (view.y1 - view.y0)) * h;
    const id = el.id + '-clip';
    const defs = svg('defs', {}, el);
    const cp = svg('clipPath', { id }, defs);
    svg('rect', { x: l, y: t, width: w, height: h }, cp);
    const bg = svg('g', { 'clip-path': `url(#${id})` }, el);
    // Quadrant areas.
    const quads = [
      [1, 0, 1, 0, 1.2], [2, -1.2, 0, 0, 1.2], [3, -1.2, 0, -1.2, 0], [4, 0, 1.2, -1.2, 0],
    ];
    for (const [q, vx0, vx1, ay0, ay1] of quads) {
      svg('rect', {
        class: `q-area q${q}`, x: X(vx0), y: Y(ay1),
        width: X(vx1) - X(vx0), height: Y(ay0) - Y(ay1),
      }, bg);
    }
    // Grid and ticks.
    const step = niceStep(view.x1 - view.x0);
    const ticks = [];
    for (let u = Math.ceil(view.x0 / step - 1e-9) * step; u <= view.x1 + 1e-9; u += step) {
      ticks.push(Math.round(u * 1000) / 1000);
    }
    const yticks = [];
    for (let u = Math.ceil(view.y0 / step - 1e-9) * step; u <= view.y1 + 1e-9; u += step) {
      yticks.push(Math.round(u * 1000) / 1000);
    }
    for (const u of ticks) {
      svg('line', { class: u === 0 ? 'axis-line' : 'grid-line', x1: X(u), x2: X(u), y1: t, y2: t + h }, bg);
      const tx = svg('text', { class: 'tick', x: X(u), y: t + h + 16, 'text-anchor': 'middle' }, el);
      tx.textContent = fmtTick(u);
    }
    for (const u of yticks) {
      svg('line', { class: u === 0 ? 'axis-line' : 'grid-line', y1: Y(u), y2: Y(u), x1: l, x2: l + w }, bg);
      const tx = svg('text', { class: 'tick', x: l - 8, y: Y(u) + 4, 'text-anchor': 'end' }, el);
      tx.textContent = fmtTick(u);
    }
    svg('rect', { class: 'frame', x: l, y: t, width: w, height: h, rx: 4 }, el);
    // Quadrant names at the outer corner of each quadrant's visible part.
    if (opts.labels) {
      for (const [q, vx0, vx1, ay0, ay1] of quads) {
        const ix0 = Math.max(vx0, view.x0), ix1 = Math.min(vx1, view.x1);
        const iy0 = Math.max(ay0, view.y0), iy1 = Math.min(ay1, view.y1);
        if (ix1 <= ix0 || iy1 <= iy0) continue;
        const share = ((ix1 - ix0) * (iy1 - iy0)) / ((view.x1 - view.x0) * (view.y1 - view.y0));
        if (share < 0.12) continue;
        const right = q === 1 || q === 4;
        const top = q === 1 || q === 2;
        const x = right ? X(ix1) - 12 : X(ix0) + 12;
        const anchor = right ? 'end' : 'start';
        const y = top ? Y(iy1) + 24 : Y(iy0) - 26;
        const lab = svg('text', { class: `q-label q${q}`, x, y, 'text-anchor': anchor }, el);
        lab.textContent = `Q${q} ${QNAMES[q]}`;
        const sub = svg('text', { class: 'q-sub', x, y: y + 16, 'text-anchor': anchor }, el);
        sub.textContent = QAXES[q];
      }
    }
    // Axis captions.
    const cx = l + w / 2;
    const cy = t + h / 2;
    svg('text', { class: 'axis-cap', x: cx, y: size - 14, 'text-anchor': 'middle' }, el).textContent = 'valence';
    svg('text', { class: 'axis-end', x: l, y: size - 14 }, el).textContent = '← negative';
    svg('text', { class: 'axis-end', x: l + w, y: size - 14, 'text-anchor': 'end' }, el).textContent = 'positive →';
    const ay = svg('text', { class: 'axis-cap', x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(16 ${cy}) rotate(-90)` }, el);
    ay.textContent = 'arousal';
    svg('text', { class: 'axis-end', x: 0, y: 0, transform: `translate(16 ${t + h}) rotate(-90)` }, el).textContent = '← calm';
    svg('text', { class: 'axis-end', x: 0, y: 0, 'text-anchor': 'end', transform: `translate(16 ${t}) rotate(-90)` }, el).textContent = 'energetic →';
    const content = svg('g', { 'clip-path': `url(#${id})` }, el);
    return { X, Y, content };
  }

  const FULL = { x0: -1, x1: 1, y0: -1, y1: 1 };

  function fitView(vs, as) {
    let x0 = Math.min(...vs), x1 = Math.max(...vs), y0 = Math.min(...as), y1 = Math.max(...as);
    // At least 0.3 wide (0.15 of the [-1, 1] scale each side): noise stays small.
    const span = Math.max(Math.max(x1 - x0, y1 - y0) * 1.3 + 0.06, 0.3);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const half = Math.min(span / 2, 1.05);
    const clampC = (c) => Math.max(-1.05 + half, Math.min(1.05 - half, c));
    const ccx = clampC(cx), ccy = clampC(cy);
    return { x0: ccx - half, x1: ccx + half, y0: ccy - half, y1: ccy + half };
  }

  // Unit-space series of the current track.
  function unitSeries() {
    const d = state.track.dynamic;
    return { a: d.arousal.map(toUnit), v: d.valence.map(toUnit) };
  }

  let planeMap = null;

  function renderPlane() {
    const el = $('#plane');
    const tr = state.track;
    if (!tr) {
      const { content } = drawPlaneFrame(el, FULL, { labels: true });
      const tx = svg('text', { class: 'empty-note', x: 280 + 20, y: 262, 'text-anchor': 'middle' }, content);
      tx.textContent = '';
      planeMap = null;
      return;
    }
    const u = unitSeries();
    const view = state.fit.plane ? fitView(u.v, u.a) : FULL;
    const m = drawPlaneFrame(el, view, { labels: true });
    const pts = u.v.map((v, i) => `${m.X(v).toFixed(1)},${m.Y(u.a[i]).toFixed(1)}`).join(' ');
    const all = svg('polyline', { id: 'trajectory', class: 'traj-all', points: pts, 'data-n': u.a.length }, m.content);
    all.dataset.n = String(u.a.length);
    const played = svg('polyline', { id: 'played', class: 'traj-played', points: '' }, m.content);
    if (u.a.length) {
      svg('circle', { class: 'traj-start', cx: m.X(u.v[0]), cy: m.Y(u.a[0]), r: 4 }, m.content);
    }
    // The song-level point: a diamond.
    const sa = toUnit(tr.arousal), sv = toUnit(tr.valence);
    const sx = m.X(sv), sy = m.Y(sa), d = 6.5;
    const halo = svg('circle', { id: 'dot-halo', class: 'dot-halo', r: 15, cx: -99, cy: -99 }, m.content);
    svg('path', { class: 'song-mark', d: `M${sx} ${sy - d}L${sx + d} ${sy}L${sx} ${sy + d}L${sx - d} ${sy}Z` }, m.content);
    const dot = svg('circle', { id: 'dot', class: 'dot', r: 7, cx: -99, cy: -99 }, m.content);
    planeMap = { ...m, u, played, dot, halo };
    updatePlayhead();
  }

  // ---------- the time series ----------
  const SER = { h: 300, l: 46, r: 14, t: 14, b: 30 };
  let seriesMap = null;

  function renderSeries() {
    const el = $('#series');
    el.textContent = '';
    const W = Math.max(320, Math.round(el.clientWidth || 800));
    const { h, l, r, t, b } = SER;
    el.setAttribute('viewBox', `0 0 ${W} ${h}`);
    const tr = state.track;
    const w = W - l - r, ph = h - t - b;
    const dur = tr ? Math.max(tr.duration_s, tr.time_s.length * tr.hop_s) : 60;
    const t0 = tr ? tr.start_s : 0;
    let y0 = -1, y1 = 1;
    let u = null;
    if (tr) {
      u = unitSeries();
      if (state.fit.series && u.a.length) {
        const lo = Math.min(...u.a, ...u.v), hi = Math.max(...u.a, ...u.v);
        const pad = Math.max(0.05, (hi - lo) * 0.15);
        y0 = Math.max(-1.05, lo - pad);
        y1 = Math.min(1.05, hi + pad);
      }
    }
    const X = (s) => l + ((s - t0) / dur) * w;
    const Y = (v) => t + (1 - (v - y0) / (y1 - y0)) * ph;
    // Grid: value ticks.
    const step = niceStep(y1 - y0);
    for (let v = Math.ceil(y0 / step - 1e-9) * step; v <= y1 + 1e-9; v += step) {
      const vv = Math.round(v * 1000) / 1000;
      svg('line', { class: vv === 0 ? 'axis-line' : 'grid-line', x1: l, x2: l + w, y1: Y(vv), y2: Y(vv) }, el);
      svg('text', { class: 'tick', x: l - 8, y: Y(vv) + 4, 'text-anchor': 'end' }, el).textContent = fmtTick(vv);
    }
    // Time ticks.
    let ts = 1;
    for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) {
      ts = s;
      if (dur / s <= 10) break;
    }
    for (let s = Math.ceil(t0 / ts) * ts; s <= t0 + dur + 1e-9; s += ts) {
      svg('line', { class: 'grid-line', x1: X(s), x2: X(s), y1: t, y2: t + ph }, el);
      svg('text', { class: 'tick', x: X(s), y: h - 10, 'text-anchor': 'middle' }, el).textContent = fmtTime(s);
    }
    svg('rect', { class: 'frame', x: l, y: t, width: w, height: ph, rx: 4 }, el);
    if (tr && u) {
      const hop = tr.hop_s;
      // Value k covers [t_k, t_k + hop): drawn at its middle.
      const xs = tr.time_s.map((s) => X(s + hop / 2));
      const line = (arr) => arr.map((v, i) => `${xs[i].toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
      const zeroY = Y(Math.max(y0, Math.min(y1, 0)));
      const area = (arr) => `M${xs[0].toFixed(1)},${zeroY} L${line(arr).replaceAll(' ', ' L')} L${xs[xs.length - 1].toFixed(1)},${zeroY} Z`;
      if (xs.length) {
        svg('path', { class: 'area-v', d: area(u.v) }, el);
        svg('path', { class: 'area-a', d: area(u.a) }, el);
      }
      svg('polyline', { id: 'line-v', class: 'line-v', points: line(u.v) }, el);
      svg('polyline', { id: 'line-a', class: 'line-a', points: line(u.a) }, el);
    }
    const hover = svg('line', { class: 'hover-line', x1: -10, x2: -10, y1: t, y2: t + ph, visibility: 'hidden' }, el);
    const cursor = svg('line', { id: 'cursor', class: 'cursor', x1: l, x2: l, y1: t, y2: t + ph }, el);
    const curA = svg('circle', { class: 'cur-a', r: 5, cx: -10, cy: -10 }, el);
    const curV = svg('circle', { class: 'cur-v', r: 5, cx: -10, cy: -10 }, el);
    const labBg = svg('rect', { class: 'cursor-bg', x: 0, y: t + 4, width: 44, height: 20, rx: 5 }, el);
    const lab = svg('text', { class: 'cursor-label', x: 0, y: t + 18, 'text-anchor': 'middle' }, el);
    seriesMap = { X, Y, t0, dur, l, w, W, cursor, curA, curV, lab, labBg, hover, u };
    el.setAttribute('aria-valuemax', String(Math.round(dur)));
    if (!tr) {
      cursor.setAttribute('visibility', 'hidden');
      labBg.setAttribute('visibility', 'hidden');
      const note = svg('text', { class: 'empty-note', x: l + w / 2, y: t + ph / 2 - 14, 'text-anchor': 'middle' }, el);
      note.textContent = 'Drop a song to see its arousal and valence move, every 0.5 s';
    }
    updatePlayhead();
  }

  // ---------- playback: the dot, the cursor, the meters ----------
  // Values at time `tm`, interpolated between the frames' middles.
  function valuesAt(tm, u) {
    const tr = state.track;
    const n = u.a.length;
    if (!n) return null;
    const f = (tm - tr.start_s) / tr.hop_s - 0.5;
    const i = Math.max(0, Math.min(n - 1, Math.floor(f)));
    const j = Math.min(n - 1, i + 1);
    const w = Math.max(0, Math.min(1, f - i));
    return { a: u.a[i] * (1 - w) + u.a[j] * w, v: u.v[i] * (1 - w) + u.v[j] * w, k: Math.max(0, Math.min(n - 1, Math.round(f))) };
  }

  function setBar(fill, mark, unitVal, songUnit) {
    const x = Math.max(-1, Math.min(1, unitVal));
    const left = 50 + Math.min(0, x) * 50;
    fill.style.left = `${left}%`;
    fill.style.width = `${Math.abs(x) * 50}%`;
    mark.style.left = `${50 + Math.max(-1, Math.min(1, songUnit)) * 50}%`;
  }

  function updatePlayhead() {
    const tr = state.track;
    if (!tr) return;
    const tm = audio.currentTime || 0;
    const m = planeMap;
    const u = m ? m.u : unitSeries();
    const at = valuesAt(tm, u);
    if (!at) return;
    if (m) {
      const x = m.X(at.v), y = m.Y(at.a);
      const q = quadrantOf(at.a, at.v);
      for (const c of [m.dot, m.halo]) {
        c.setAttribute('cx', x.toFixed(2));
        c.setAttribute('cy', y.toFixed(2));
        c.setAttribute('class', `${c === m.dot ? 'dot' : 'dot-halo'} q${q}`);
      }
      m.dot.dataset.t = tm.toFixed(3);
      const upto = Math.min(u.a.length, at.k + 1);
      const pts = [];
      for (let i = 0; i < upto; i++) pts.push(`${m.X(u.v[i]).toFixed(1)},${m.Y(u.a[i]).toFixed(1)}`);
      pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      m.played.setAttribute('points', pts.join(' '));
    }
    const s = seriesMap;
    if (s && s.u) {
      const cx = s.X(tm);
      s.cursor.setAttribute('x1', cx);
      s.cursor.setAttribute('x2', cx);
      s.curA.setAttribute('cx', cx);
      s.curA.setAttribute('cy', s.Y(at.a));
      s.curV.setAttribute('cx', cx);
      s.curV.setAttribute('cy', s.Y(at.v));
      const lx = Math.max(s.l + 22, Math.min(s.l + s.w - 22, cx));
      s.lab.setAttribute('x', lx);
      s.lab.textContent = fmtTime(tm);
      s.labBg.setAttribute('x', lx - 22);
      $('#series').setAttribute('aria-valuenow', String(Math.round(tm)));
      $('#series').setAttribute('aria-valuetext', `${fmtTime(tm)}: arousal ${fmtVal(fromUnit(at.a))}, valence ${fmtVal(fromUnit(at.v))}`);
    }
    $('#now-a').textContent = fmtVal(fromUnit(at.a));
    $('#now-v').textContent = fmtVal(fromUnit(at.v));
    setBar($('#bar-a'), $('#mark-a'), at.a, toUnit(tr.arousal));
    setBar($('#bar-v'), $('#mark-v'), at.v, toUnit(tr.valence));
  }

  function loop() {
    updatePlayhead();
    if (state.playing) requestAnimationFrame(loop);
  }
  audio.addEventListener('play', () => { state.playing = true; requestAnimationFrame(loop); });
  audio.addEventListener('pause', () => { state.playing = false; updatePlayhead(); });
  audio.addEventListener('ended', () => { state.playing = false; updatePlayhead(); });
  audio.addEventListener('seeked', updatePlayhead);
  audio.addEventListener('timeupdate', () => { if (!state.playing) updatePlayhead(); });

  // Clicking (or dragging on) the series seeks.
  const seriesEl = $('#series');
  function timeAtEvent(ev) {
    const s = seriesMap;
    if (!s || !state.track) return null;
    const rect = seriesEl.getBoundingClientRect();
    const x = ((ev.clientX - rect.left) / rect.width) * s.W;
    const f = Math.max(0, Math.min(1, (x - s.l) / s.w));
    return s.t0 + f * s.dur;
  }
  function seek(tm) {
    if (!state.track) return;
    const end = Number.isFinite(audio.duration) ? audio.duration : state.track.start_s + state.track.duration_s;
    audio.currentTime = Math.max(0, Math.min(end - 0.05, tm));
    updatePlayhead();
  }
  seriesEl.addEventListener('click', (ev) => {
    const tm = timeAtEvent(ev);
    if (tm != null) seek(tm);
  });
  seriesEl.addEventListener('mousemove', (ev) => {
    const tm = timeAtEvent(ev);
    if (tm == null || !seriesMap) return;
    const x = seriesMap.X(tm);
    seriesMap.hover.setAttribute('x1', x);
    seriesMap.hover.setAttribute('x2', x);
    seriesMap.hover.setAttribute('visibility', 'visible');
  });
  seriesEl.addEventListener('mouseleave', () => seriesMap && seriesMap.hover.setAttribute('visibility', 'hidden'));
  seriesEl.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
      seek(audio.currentTime + (ev.key === 'ArrowLeft' ? -1 : 1) * (ev.shiftKey ? 1 : 5));
      ev.preventDefault();
      ev.stopPropagation();
    }
  });

  // ---------- showing a prediction ----------
  function showTrack(json, source) {
    state.track = json;
    state.source = source;
    document.body.dataset.state = 'ready';
    $('#song').hidden = false;
    $('#song-title').textContent = source.name;
    const n = json.dynamic.arousal.length;
    $('#song-meta').textContent = `${fmtTime(json.duration_s)} · ${n} values, one per ${json.hop_s} s · model ${json.model}`;
    const q = Number(json.quadrant.slice(1));
    const chip = $('#song-q');
    chip.textContent = json.quadrant;
    chip.className = `qchip q${q}`;
    $('#song-words').textContent = QNAMES[q];
    $('#song-axes').textContent = `${QAXES[q]} · ${Math.round(json.confidence * 100)}% of the song here`;
    $('#song-a').textContent = `song ${fmtVal(json.arousal)}`;
    $('#song-v').textContent = `song ${fmtVal(json.valence)}`;
    for (const w of json.warnings || []) setStatus(`Warning: ${w}`);
    renderPlane();
    renderSeries();
    markCurrentRow();
  }

  function clearTrack() {
    state.track = null;
    renderPlane();
    renderSeries();
  }

  async function loadTrack(id, name) {
    showView('listen');
    if (state.source && state.source.id === id && state.track) return;
    document.body.dataset.state = 'loading';
    state.source = { id, name, kind: 'track' };
    audio.src = `/audio/${encodeURIComponent(id)}`;
    clearTrack();
    $('#song').hidden = true;
    setStatus(`Analysing ${name || 'the track'}… the model runs on the server, about a second per minute of audio.`, 'busy');
    try {
      const json = await api(`/api/tracks/${encodeURIComponent(id)}?scale=${encodeURIComponent(state.scale)}`);
      if (!state.source || state.source.id !== id) return;
      setStatus('');
      showTrack(json, { id, name: json.path, kind: 'track' });
      refreshCounts();
    } catch (e) {
      document.body.dataset.state = 'error';
      setStatus(String(e.message || e), 'error');
    }
  }

  async function uploadFile(file) {
    if (!file) return;
    showView('listen');
    if (location.hash !== '#/listen') history.replaceState(null, '', '#/listen');
    document.body.dataset.state = 'loading';
    const limit = state.info ? state.info.upload_limit_bytes : Infinity;
    if (file.size > limit) {
      document.body.dataset.state = 'error';
      setStatus(`${file.name} is ${(file.size / 1048576).toFixed(0)} MiB; the server takes up to ${(limit / 1048576).toFixed(0)} MiB.`, 'error');
      return;
    }
    state.source = { id: null, name: file.name, kind: 'upload' };
    if (audio.src.startsWith('blob:')) URL.revokeObjectURL(audio.src);
    audio.src = URL.createObjectURL(file);
    clearTrack();
    $('#song').hidden = true;
    setStatus(`Analysing ${file.name}… the model runs on the server, about a second per minute of audio.`, 'busy');
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const json = await api(`/api/predict?scale=${encodeURIComponent(state.scale)}`, { method: 'POST', body: form });
      if (!state.source || state.source.name !== file.name) return;
      setStatus('');
      showTrack(json, { id: json.id, name: file.name, kind: 'upload' });
    } catch (e) {
      document.body.dataset.state = 'error';
      setStatus(String(e.message || e), 'error');
    }
  }

  // ---------- file picking and dropping ----------
  const fileInput = $('#file');
  const drop = $('#drop');
  drop.addEventListener('click', () => fileInput.click());
  drop.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      fileInput.click();
      ev.preventDefault();
      ev.stopPropagation();
    }
  });
  fileInput.addEventListener('change', () => {
    uploadFile(fileInput.files[0]);
    fileInput.value = '';
  });
  const overlay = $('#dropzone-overlay');
  let dragDepth = 0;
  window.addEventListener('dragenter', (ev) => {
    if (!ev.dataTransfer || ![...ev.dataTransfer.types].includes('Files')) return;
    dragDepth++;
    overlay.hidden = false;
    ev.preventDefault();
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) overlay.hidden = true;
  });
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    dragDepth = 0;
    overlay.hidden = true;
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) uploadFile(f);
  });

  // ---------- scale and fit ----------
  const scaleSel = $('#scale');
  async function setScale(s) {
    state.scale = s;
    scaleSel.value = s;
    if (state.source && state.source.id) {
      try {
        const json = await api(`/api/tracks/${encodeURIComponent(state.source.id)}?scale=${encodeURIComponent(s)}`);
        showTrack(json, { ...state.source, name: state.source.name || json.path });
      } catch (e) {
        setStatus(String(e.message || e), 'error');
      }
    } else {
      renderPlane();
      renderSeries();
    }
    if (!$('#view-library').hidden) loadLibrary();
  }
  scaleSel.addEventListener('change', () => setScale(scaleSel.value));
  function setFit(which, on) {
    state.fit[which] = on;
    for (const b of document.querySelectorAll(`.seg[data-zoom="${which}"] button`)) {
      b.setAttribute('aria-pressed', String((b.dataset.fit === 'true') === on));
    }
    if (which === 'plane') renderPlane();
    if (which === 'series') renderSeries();
    if (which === 'scatter') renderScatter(state.pointsPage);
  }
  for (const b of document.querySelectorAll('.seg button')) {
    b.addEventListener('click', () => setFit(b.parentNode.dataset.zoom, b.dataset.fit === 'true'));
  }

  // ---------- library ----------
  function libParams(extra) {
    const p = new URLSearchParams();
    const L = state.lib;
    p.set('scale', state.scale);
    p.set('sort', L.sort);
    p.set('order', L.order);
    if (L.q) p.set('q', L.q);
    if (L.quadrants.size) p.set('quadrant', [...L.quadrants].map((q) => `Q${q}`).join(','));
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return p.toString();
  }

  let libSeq = 0;
  async function loadLibrary() {
    const seq = ++libSeq;
    const L = state.lib;
    try {
      const [page, all] = await Promise.all([
        api(`/api/tracks?${libParams({ offset: L.offset, limit: L.limit })}`),
        api(`/api/tracks?${libParams({ offset: 0, limit: 5000, analyzed: 'true' })}`),
      ]);
      if (seq !== libSeq) return;
      state.libRows = page.tracks;
      state.points = all.tracks;
      state.pointsPage = all;
      renderTable(page);
      renderScatter(all);
      $('#lib-count').textContent = page.tracks_in_library ? String(page.tracks_in_library) : '';
    } catch (e) {
      $('#lib-empty').hidden = false;
      $('#lib-empty').textContent = String(e.message || e);
    }
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function renderTable(page) {
    const tb = $('#lib-table tbody');
    tb.textContent = '';
    for (const row of page.tracks) {
      const tr = document.createElement('tr');
      tr.tabIndex = 0;
      tr.dataset.id = row.id;
      const p = cell(tr, row.path, 'path');
      p.title = row.path;
      cell(tr, row.duration_s != null ? fmtTime(row.duration_s) : '–', 'num');
      cell(tr, fmtVal(row.arousal), 'num va-a');
      cell(tr, fmtVal(row.valence), 'num va-v');
      if (row.error) {
        const td = cell(tr, 'error', 'err');
        td.title = row.error;
      } else if (row.quadrant) {
        const q = Number(row.quadrant.slice(1));
        const td = cell(tr, '', '');
        const d = document.createElement('span');
        d.className = `qdot q${q}`;
        td.appendChild(d);
        td.appendChild(document.createTextNode(`${row.quadrant} ${QNAMES[q].split(' · ')[0]}`));
      } else {
        cell(tr, 'not analysed', 'na');
      }
      cell(tr, row.confidence != null ? `${Math.round(row.confidence * 100)}%` : '–', 'num');
      const play = () => { location.hash = `#/track/${row.id}`; };
      tr.addEventListener('click', play);
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') { play(); ev.preventDefault(); }
      });
      tr.addEventListener('mouseenter', () => highlight(row.id, true));
      tr.addEventListener('mouseleave', () => highlight(row.id, false));
      tr.addEventListener('focus', () => highlight(row.id, true));
      tr.addEventListener('blur', () => highlight(row.id, false));
      tb.appendChild(tr);
    }
    const empty = $('#lib-empty');
    if (!page.tracks.length) {
      empty.hidden = false;
      empty.textContent = state.info && state.info.tracks === 0
        ? 'No folder is served. Start the server with a folder (mer serve DIR), or drop a song in Listen.'
        : 'No track matches.';
    } else {
      empty.hidden = true;
    }
    const L = state.lib;
    const from = page.total ? L.offset + 1 : 0;
    const to = Math.min(page.total, L.offset + page.tracks.length);
    const analysed = page.analyzed < page.tracks_in_library
      ? ` · ${page.analyzed} of ${page.tracks_in_library} analysed (the rest when played, or run mer catalog)`
      : '';
    $('#lib-range').textContent = `${from}–${to} of ${page.total}${analysed}`;
    $('#lib-prev').disabled = L.offset === 0;
    $('#lib-next').disabled = L.offset + L.limit >= page.total;
    for (const th of document.querySelectorAll('#lib-table th[data-sort]')) {
      const on = th.dataset.sort === L.sort;
      if (on) th.setAttribute('aria-sort', L.order === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    markCurrentRow();
  }

  function markCurrentRow() {
    const id = state.source && state.source.id;
    for (const tr of document.querySelectorAll('#lib-table tbody tr')) {
      tr.classList.toggle('current', tr.dataset.id === id);
    }
  }

  // Hovering a row rings its dot (a ring drawn on top, so dots never move under the mouse).
  function highlight(id, on) {
    const c = document.querySelector(`#lib-plane circle.pt[data-id="${id}"]`);
    const ring = document.querySelector('#lib-plane .pt-ring');
    if (c && ring) {
      ring.setAttribute('cx', c.getAttribute('cx'));
      ring.setAttribute('cy', c.getAttribute('cy'));
      ring.setAttribute('visibility', on ? 'visible' : 'hidden');
    }
    const r = document.querySelector(`#lib-table tr[data-id="${id}"]`);
    if (r) r.classList.toggle('hl', on);
  }

  function renderScatter(all) {
    if (!all) return;
    const el = $('#lib-plane');
    const known = all.tracks.filter((r) => r.arousal != null);
    const view = state.fit.scatter && known.length > 1
      ? fitView(known.map((r) => toUnit(r.valence)), known.map((r) => toUnit(r.arousal)))
      : FULL;
    const m = drawPlaneFrame(el, view, { labels: true });
    const cur = state.source && state.source.id;
    for (const row of all.tracks) {
      if (row.arousal == null) continue;
      const a = toUnit(row.arousal), v = toUnit(row.valence);
      const c = svg('circle', {
        class: `pt q${quadrantOf(a, v)}${row.id === cur ? ' current' : ''}`,
        cx: m.X(v).toFixed(1), cy: m.Y(a).toFixed(1), r: 6, 'data-id': row.id, tabindex: '-1',
      }, m.content);
      const t = svg('title', {}, c);
      t.textContent = `${row.path}\narousal ${fmtVal(row.arousal)} · valence ${fmtVal(row.valence)}`;
      c.addEventListener('click', () => { location.hash = `#/track/${row.id}`; });
      c.addEventListener('mouseenter', () => highlight(row.id, true));
      c.addEventListener('mouseleave', () => highlight(row.id, false));
    }
    svg('circle', { class: 'pt-ring', r: 10, cx: -99, cy: -99, visibility: 'hidden' }, m.content);
    const shown = all.tracks.length;
    $('#scatter-hint').textContent = all.total > shown
      ? `${shown} of ${all.total} · click to play`
      : `${shown} track${shown === 1 ? '' : 's'} · click to play`;
  }

  let qTimer = null;
  $('#lib-q').addEventListener('input', (ev) => {
    clearTimeout(qTimer);
    qTimer = setTimeout(() => {
      state.lib.q = ev.target.value.trim();
      state.lib.offset = 0;
      loadLibrary();
    }, 200);
  });
  for (const b of document.querySelectorAll('.qbtn')) {
    b.addEventListener('click', () => {
      const q = Number(b.dataset.q);
      const Q = state.lib.quadrants;
      if (Q.has(q)) Q.delete(q); else Q.add(q);
      b.setAttribute('aria-pressed', String(Q.has(q)));
      state.lib.offset = 0;
      loadLibrary();
    });
  }
  for (const th of document.querySelectorAll('#lib-table th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const L = state.lib;
      const key = th.dataset.sort;
      if (L.sort === key) L.order = L.order === 'asc' ? 'desc' : 'asc';
      else { L.sort = key; L.order = key === 'path' ? 'asc' : 'desc'; }
      L.offset = 0;
      loadLibrary();
    });
  }
  $('#lib-prev').addEventListener('click', () => { state.lib.offset = Math.max(0, state.lib.offset - state.lib.limit); loadLibrary(); });
  $('#lib-next').addEventListener('click', () => { state.lib.offset += state.lib.limit; loadLibrary(); });

  // ---------- views and routing ----------
  function showView(name) {
    $('#view-listen').hidden = name !== 'listen';
    $('#view-library').hidden = name !== 'library';
    $('#tab-listen').toggleAttribute('aria-current', name === 'listen');
    $('#tab-library').toggleAttribute('aria-current', name === 'library');
    if (name === 'listen') $('#tab-listen').setAttribute('aria-current', 'page');
    if (name === 'library') $('#tab-library').setAttribute('aria-current', 'page');
    document.body.dataset.view = name;
    if (name === 'listen' && state.track) renderSeries();
  }

  function route() {
    const h = location.hash || '#/listen';
    const m = h.match(/^#\/track\/([0-9a-f]{16})$/);
    if (m) {
      const row = state.libRows.find((r) => r.id === m[1]) || state.points.find((r) => r.id === m[1]);
      loadTrack(m[1], row ? row.path : null);
    } else if (h === '#/library') {
      showView('library');
      loadLibrary();
    } else {
      showView('listen');
    }
  }
  window.addEventListener('hashchange', route);

  async function refreshCounts() {
    try {
      state.info = await api('/api/info');
      $('#lib-count').textContent = state.info.tracks ? String(state.info.tracks) : '';
    } catch (_) { /* the next action reports it */ }
  }

  // ---------- keyboard ----------
  document.addEventListener('keydown', (ev) => {
    const tag = (ev.target && ev.target.tagName) || '';
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    // Form fields and the audio element's own controls keep their keys.
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || tag === 'AUDIO') return;
    const onButton = tag === 'BUTTON' || tag === 'A' || tag === 'TR';
    const k = ev.key;
    if (k === ' ' && !onButton && state.track) {
      if (audio.paused) audio.play(); else audio.pause();
    } else if ((k === 'ArrowLeft' || k === 'ArrowRight') && state.track) {
      seek(audio.currentTime + (k === 'ArrowLeft' ? -5 : 5));
    } else if (k === 'Home' && state.track) {
      seek(0);
    } else if (k === 'o' || k === 'O') {
      fileInput.click();
    } else if (k === 'f' || k === 'F') {
      setFit('plane', !state.fit.plane);
    } else if (k === 'z' || k === 'Z') {
      setFit('series', !state.fit.series);
    } else if (k === 's' || k === 'S') {
      const names = Object.keys(SCALES);
      setScale(names[(names.indexOf(state.scale) + 1) % names.length]);
    } else if (k === 'l' || k === 'L') {
      location.hash = '#/library';
    } else if (k === 'p' || k === 'P') {
      location.hash = '#/listen';
    } else {
      return;
    }
    ev.preventDefault();
  });

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderSeries, 100);
  });

  // ---------- start ----------
  scaleSel.value = state.scale;
  renderPlane();
  renderSeries();
  refreshCounts().then(route);
})();
