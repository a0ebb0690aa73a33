// `mindnet dashboard` in a real browser: a dev node with four staked neurons, two of them
// setting weights; the dashboard serves its page and JSON API, and headless Chromium
// (playwright-core) checks what the page shows: networks, the metagraph sorted and
// filtered, the weights heatmap, the trust graph and the moving epoch bar. Screenshots go
// to $MINDNET_SCREENSHOTS (default: a folder in the system temp dir). Skipped without
// Chromium ($CHROMIUM, default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aWrapBytes } from '@polkadot/util';
import { chromium } from 'playwright-core';
import { startDevNode, send, cliBinary, freePort } from './node.js';

const MIND = 1_000_000_000n;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.MINDNET_SCREENSHOTS || join(tmpdir(), 'mindnet-dashboard-shots');
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// Coldkeys, their hotkeys and the stake each adds: the stake column must differ.
const COLDS = ['//Alice', '//Bob', '//Charlie', '//Dave'];
const STAKES = [50n, 400n, 150n, 900n];

let node;
let dashboard;
let dir;
let browser;
let hots;

before(async () => {
  if (!HAVE_CHROMIUM) return;
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  node = await startDevNode();
  const { api } = node;
  const colds = COLDS.map((s) => keyring.addFromUri(s));
  hots = COLDS.map((s) => keyring.addFromUri(`${s}//dash`));

  // Each coldkey funds its hotkey (which pays its own set_weights fee), registers it with
  // the hotkey's consent, and stakes on it.
  await Promise.all(colds.map(async (cold, k) => {
    const hot = hots[k];
    await send(api, api.tx.balances.transferKeepAlive(hot.address, 10n * MIND), cold);
    const deadline = (await api.query.system.number()).toNumber() + 100;
    const payload = await api.call.mindnetApi.registrationPayload(0, cold.address, deadline);
    const consent = { Sr25519: hot.sign(u8aWrapBytes(payload.toU8a())) };
    await send(api, api.tx.mindnet.register(0, hot.address, deadline, consent), cold);
    await send(api, api.tx.mindnet.addStake(0, hot.address, STAKES[k] * MIND), cold);
  }));
  const uids = [];
  for (const hot of hots) uids.push((await api.query.mindnet.uids(0, hot.address)).unwrap().toNumber());
  // Two of them set weights on the others.
  await Promise.all([0, 1].map((k) => {
    const targets = uids.filter((u) => u !== uids[k]);
    return send(api, api.tx.mindnet.setWeights(0, targets, targets.map((_, i) => 1000 * (i + 1)), 0), hots[k]);
  }));

  // Two learner summaries (the format `mindnet-learner --summary` writes): their curves are
  // what the dashboard plots against each other.
  dir = mkdtempSync(join(tmpdir(), 'mindnet-dashboard-'));
  const curve = (start) => Array.from({ length: 10 }, (_, i) => [100 * (i + 1), start - 0.1 * i]);
  writeFileSync(join(dir, 'learner.json'), JSON.stringify({ steps: 1000, curve: curve(3.0) }));
  writeFileSync(join(dir, 'alone.json'), JSON.stringify({ steps: 1000, curve: curve(3.2) }));
  dashboard = await startDashboard(node.url, ['--learner-summary', join(dir, 'learner.json'), '--alone-summary', join(dir, 'alone.json')]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (dashboard) await dashboard.stop();
  if (node) await node.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `mindnet dashboard` on a free loopback port; resolves once GET / answers. */
async function startDashboard(url, extra = []) {
  const port = await freePort();
  const child = spawn(cliBinary(), ['dashboard', '--url', url, '--port', String(port), '--bind', '127.0.0.1', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d) => { log = (log + d.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mindnet dashboard exited (${child.exitCode ?? child.signalCode}):\n${log}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mindnet dashboard did not answer on ${base} within 60 s:\n${log}`);
    }
    try {
      const res = await fetch(base);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, stop, log: () => log };
}

/** Numbers in the metagraph's cells of column `col`, top to bottom. */
const column = (page, col) => page.$$eval(`#metagraph td[data-col="${col}"]`, (tds) => tds.map((td) => Number(td.dataset.value)));
/** Full hotkeys of the metagraph's rows, top to bottom. */
const hotkeys = (page) => page.$$eval('#metagraph td[data-col="hotkey"]', (tds) => tds.map((td) => td.title));

test('the dashboard shows the networks, the metagraph, weights, trust and the epoch', { timeout: 600_000 }, async (t) => {
  if (!HAVE_CHROMIUM) {
    t.skip(`no Chromium at ${CHROMIUM}: install it or point $CHROMIUM at one`);
    return;
  }
  const { api } = node;
  const onChain = (await api.call.mindnetApi.neurons(0)).length;
  assert.ok(onChain >= hots.length, `the chain has our ${hots.length} neurons (${onChain})`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: join(SHOTS, name), fullPage: true });
  await page.goto(dashboard.base);

  // Networks: netuid 0 is listed and selected.
  await page.waitForSelector('#networks tbody tr[data-netuid="0"]', { timeout: 30_000 });
  assert.equal((await page.textContent('#netuid')).trim(), '0');
  assert.match(await page.textContent('#url'), /^ws:\/\/127\.0\.0\.1:\d+/);

  // The metagraph lists every neuron, ours among them.
  await page.waitForFunction((n) => document.querySelectorAll('#metagraph tbody tr[data-uid]').length === n, onChain, { timeout: 30_000 });
  const shown = await hotkeys(page);
  for (const hot of hots) assert.ok(shown.includes(hot.address), `the metagraph lists ${hot.address}`);
  assert.match(await page.textContent('#page'), new RegExp(`^1–${onChain} of ${onChain}$`));

  // The weights set above reach the heatmap (they count from the block after) and the
  // trust graph draws one circle per neuron.
  const rowCells = 2 * (hots.length - 1); // two rows, each on the three others
  await page.waitForFunction((n) => Number(document.querySelector('#heatmap').dataset.cells) >= n, rowCells, { timeout: 60_000 })
    .catch(async () => assert.fail(`the heatmap shows ${await page.getAttribute('#heatmap', 'data-cells')} cells, not ${rowCells}`));
  await page.waitForFunction((n) => document.querySelectorAll('#trust-graph circle.node').length === n, Math.min(onChain, 48), { timeout: 15_000 });
  assert.ok((await page.$$('#trust-graph line.edge')).length >= 2, 'the trust graph draws weight edges');
  await shot('dashboard.png');

  // Clicking the stake header sorts by stake, most first; again, least first.
  await page.click('#metagraph th[data-sort="stake"]');
  await page.waitForSelector('#metagraph th[data-sort="stake"].sorted:not(.asc)', { timeout: 15_000 });
  const desc = await column(page, 'stake');
  assert.equal(desc.length, onChain);
  assert.ok(desc.every((v, i) => i === 0 || desc[i - 1] >= v), `stake descending: ${desc}`);
  assert.equal((await hotkeys(page))[0], hots[STAKES.indexOf(900n)].address, 'the most staked hotkey is first');
  await shot('metagraph-sorted.png');
  await page.click('#metagraph th[data-sort="stake"]');
  await page.waitForSelector('#metagraph th[data-sort="stake"].sorted.asc', { timeout: 15_000 });
  const asc = await column(page, 'stake');
  assert.ok(asc.every((v, i) => i === 0 || asc[i - 1] <= v), `stake ascending: ${asc}`);

  // Typing part of a hotkey narrows the rows to that neuron; clearing brings all back.
  const wanted = hots[2].address;
  await page.fill('#filter', wanted.slice(4, 20));
  await page.waitForFunction(() => document.querySelectorAll('#metagraph tbody tr[data-uid]').length === 1, null, { timeout: 15_000 });
  assert.deepEqual(await hotkeys(page), [wanted]);
  assert.match(await page.textContent('#page'), /^1–1 of 1$/);
  await shot('metagraph-filtered.png');
  await page.fill('#filter', `hotkey=${hots[3].address}`);
  await page.waitForFunction((a) => {
    const tds = document.querySelectorAll('#metagraph td[data-col="hotkey"]');
    return tds.length === 1 && tds[0].title === a;
  }, hots[3].address, { timeout: 15_000 });
  await page.fill('#filter', '');
  await page.waitForFunction((n) => document.querySelectorAll('#metagraph tbody tr[data-uid]').length === n, onChain, { timeout: 15_000 });

  // The epoch bar moves: each block is a tenth of the way to the next epoch (tempo 10).
  const progress = () => page.getAttribute('#epoch-bar', 'data-progress');
  const p0 = await progress();
  const deadline = Date.now() + 60_000;
  while ((await progress()) === p0) {
    assert.ok(Date.now() < deadline, `the epoch bar stayed at ${p0} for 60 s`);
    await page.waitForTimeout(500);
  }
  // History: a line per hotkey with most stake; the learner's curve against the baseline.
  await page.waitForFunction(() => document.querySelectorAll('#history-stake path.series').length >= 1, null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('#learner-chart path.series').length === 2, null, { timeout: 30_000 });
  assert.match(await page.textContent('#learner-legend'), /alone/);
  assert.ok((await page.textContent('#epoch-label')).trim().length > 0, 'the epoch has a label');
  assert.notEqual((await page.textContent('#epochs')).trim(), '–');

  // All polls succeed: no error banner, and no script errors.
  await page.waitForSelector('#error', { state: 'hidden', timeout: 15_000 });
  await shot('dashboard-end.png');
  assert.deepEqual(pageErrors, [], `page errors (console: ${consoleErrors.join(' | ')})`);
  await page.close();
});
