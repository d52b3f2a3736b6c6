// Drives headless Chromium (Debian's, no download) through `mer serve`, for
// crates/mer/tests/serve_browser.rs, which starts the servers and checks what this prints.
//
// env: MER_CHROMIUM (the browser), LISTEN_URL (a server of examples/), AUDIO (a file to
// upload), LIBRARY_URL (a server of a catalogued folder), OUT_DIR (screenshots).
// Prints one JSON line of measurements; exits non-zero with a message when a step fails.
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const out = {};
let current = null; // the page a step runs on, for the failure message
const statusOf = async () => {
  try {
    return current ? await current.evaluate(() => `${document.body.dataset.state}: ${document.querySelector('#status').textContent}`) : '?';
  } catch (_) {
    return '?';
  }
};
const step = async (name, f) => {
  const t0 = Date.now();
  try {
    return await f();
  } catch (e) {
    throw new Error(`${name}: ${e.message}\npage status: ${await statusOf()}`);
  } finally {
    out.ms = out.ms || {};
    out.ms[name] = Date.now() - t0;
  }
};

const browser = await step('launch', () => chromium.launch({
  executablePath: env('MER_CHROMIUM'),
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
  ],
}));
try {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  current = page;
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  // Nothing but the server itself may be asked for (no CDN, no network).
  const origins = new Set();
  page.on('request', (r) => { const u = new URL(r.url()); if (u.protocol.startsWith('http')) origins.add(u.origin); });

  // ---- Listen: upload, plot, play ----
  await step('load', () => page.goto(env('LISTEN_URL'), { waitUntil: 'load' }));
  await step('upload', () => page.setInputFiles('#file', env('AUDIO')));
  await step('plot', () => page.waitForSelector('#trajectory', { timeout: 60000 }));
  Object.assign(out, await page.evaluate(() => {
    const poly = document.querySelector('#trajectory');
    const a = document.querySelector('#audio');
    return {
      points: poly.points.numberOfItems,
      data_n: Number(poly.dataset.n),
      series_points: document.querySelector('#line-a').points.numberOfItems,
      title: document.querySelector('#song-title').textContent,
      quadrant: document.querySelector('#song-q').textContent,
      meta: document.querySelector('#song-meta').textContent,
      state: document.body.dataset.state,
    };
  }));
  await step('metadata', () => page.waitForFunction(() => Number.isFinite(document.querySelector('#audio').duration), null, { timeout: 20000 }));
  out.audio_duration = await page.evaluate(() => document.querySelector('#audio').duration);

  // Play: currentTime must advance and the dot move with it.
  const dot = () => page.evaluate(() => {
    const d = document.querySelector('#dot');
    return { t: document.querySelector('#audio').currentTime, x: Number(d.getAttribute('cx')), y: Number(d.getAttribute('cy')), q: d.getAttribute('class') };
  });
  await step('play', () => page.evaluate(() => document.querySelector('#audio').play()));
  await step('advance1', () => page.waitForFunction(() => document.querySelector('#audio').currentTime > 1.0, null, { timeout: 20000 }));
  const d1 = await dot();
  await step('advance2', () => page.waitForFunction((t) => document.querySelector('#audio').currentTime > t + 2.5, d1.t, { timeout: 20000 }));
  const d2 = await dot();
  out.dot = [d1, d2];
  out.played_points = await page.evaluate(() => document.querySelector('#played').points.numberOfItems);

  // Clicking the time series seeks (to the middle), the keyboard seeks 5 s on.
  await page.evaluate(() => document.querySelector('#audio').pause());
  const box = await page.locator('#series').boundingBox();
  const sm = await page.evaluate(() => {
    const s = document.querySelector('#series');
    const vb = s.viewBox.baseVal;
    return { W: vb.width };
  });
  // The plot area is 46..W-14 in viewBox units: its middle.
  const midX = box.x + ((46 + (sm.W - 46 - 14) / 2) / sm.W) * box.width;
  await step('seek-click', () => page.mouse.click(midX, box.y + box.height / 2));
  await page.waitForTimeout(300);
  out.after_click = await page.evaluate(() => document.querySelector('#audio').currentTime);
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  out.after_key = await page.evaluate(() => document.querySelector('#audio').currentTime);
  out.cursor_x = await page.evaluate(() => Number(document.querySelector('#cursor').getAttribute('x1')));

  // Scale 1..9: ticks and numbers on it.
  // (The series shows the whole scale by default.)
  await page.selectOption('#scale', '1..9');
  await step('scale-1..9', () => page.waitForFunction(() => [...document.querySelectorAll('#series .tick')].some((t) => t.textContent === '9'), null, { timeout: 10000 }));
  out.now_on_1_9 = await page.evaluate(() => document.querySelector('#now-a').textContent);
  await page.selectOption('#scale', '-1..1');
  await step('scale-back', () => page.waitForFunction(() => [...document.querySelectorAll('#series .tick')].some((t) => t.textContent === '−1'), null, { timeout: 10000 }));

  // Screenshot: paused at 20 s, so the played part of the trajectory shows.
  await page.evaluate(() => { const a = document.querySelector('#audio'); a.currentTime = 20; });
  await page.waitForTimeout(400);
  await page.mouse.move(5, 5);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await step('screenshot-listen', () => page.screenshot({ path: `${env('OUT_DIR')}/serve.png` }));
  // The same with the whole plane (F).
  await page.keyboard.press('f');
  await page.waitForTimeout(200);
  out.full_plane_ticks = await page.evaluate(() => [...document.querySelectorAll('#plane .tick')].map((t) => t.textContent));
  await page.screenshot({ path: `${env('OUT_DIR')}/serve-full.png` });
  await page.keyboard.press('f');

  // ---- Library: table, scatter, sort, filter, click to play ----
  if (process.env.LIBRARY_URL) {
    const lib = await ctx.newPage();
    current = lib;
    lib.on('pageerror', (e) => errors.push(`library page error: ${e.message}`));
    lib.on('request', (r) => { const u = new URL(r.url()); if (u.protocol.startsWith('http')) origins.add(u.origin); });
    await step('library', () => lib.goto(`${process.env.LIBRARY_URL}#/library`, { waitUntil: 'load' }));
    await step('library-rows', () => lib.waitForFunction(() => document.querySelectorAll('#lib-table tbody tr').length > 0 && document.querySelectorAll('#lib-plane circle.pt').length > 0, null, { timeout: 20000 }));
    out.library = await lib.evaluate(() => ({
      rows: document.querySelectorAll('#lib-table tbody tr').length,
      dots: document.querySelectorAll('#lib-plane circle.pt').length,
      range: document.querySelector('#lib-range').textContent,
    }));
    // Sort by arousal, highest first.
    await lib.click('#lib-table th[data-sort="arousal"] button');
    await lib.waitForFunction(() => document.querySelector('#lib-table th[data-sort="arousal"]').getAttribute('aria-sort') === 'descending');
    await lib.waitForTimeout(200);
    out.library.arousal_desc = await lib.evaluate(() => [...document.querySelectorAll('#lib-table tbody tr td:nth-child(3)')].map((td) => Number(td.textContent.replace('−', '-'))));
    await lib.mouse.move(5, 5);
    await step('screenshot-library', () => lib.screenshot({ path: `${env('OUT_DIR')}/serve-library.png` }));
    // Filter Q3 only.
    await lib.click('.qbtn.q3');
    await lib.waitForFunction(() => [...document.querySelectorAll('#lib-table tbody tr')].every((tr) => tr.textContent.includes('Q3')));
    out.library.q3_rows = await lib.evaluate(() => document.querySelectorAll('#lib-table tbody tr').length);
    out.library.q3_dots = await lib.evaluate(() => document.querySelectorAll('#lib-plane circle.pt').length);
    // Click a dot: the track loads and plays from the server (range requests).
    await lib.click('#lib-plane circle.pt');
    await step('library-plot', () => lib.waitForSelector('#trajectory', { timeout: 60000 }));
    await lib.evaluate(() => document.querySelector('#audio').play());
    await step('library-play', () => lib.waitForFunction(() => document.querySelector('#audio').currentTime > 1.0, null, { timeout: 20000 }));
    out.library.played_src = await lib.evaluate(() => new URL(document.querySelector('#audio').src).pathname);
    out.library.title = await lib.evaluate(() => document.querySelector('#song-title').textContent);
    await lib.evaluate(() => document.querySelector('#audio').pause());
  }
  out.errors = errors;
  out.origins = [...origins];
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
