// A market on a dev chain: honest learners, a bed of synthetic peers of known usefulness
// (`mindnet-learner peers`: peer j tells the next byte with probability j / (count − 1))
// and adversaries, all registered with their own hotkeys and axons. Used by
// `learner.test.js` at a small size and by `scripts/e2e/market.sh` at full size.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, cliBinary, learnerBinary, freePort } from './node.js';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `bin args`, resolving with stdout (rejects with stderr's tail). */
export function run(bin, args, { env = {}, timeout = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: { ...process.env, ...env }, timeout, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) {
        const e = new Error(`${bin} ${args.join(' ')} failed (${error.code}): ${stderr.slice(-4000)}`);
        e.code = error.code;
        e.stderr = stderr;
        reject(e);
      } else resolve(stdout);
    });
  });
}

/** A learner's /metrics as { name{labels}: value }. */
export async function metrics(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const values = {};
  for (const line of (await res.text()).split('\n')) {
    const m = line.match(/^(\w+)(\{[^}]*\})? (\S+)$/);
    if (m) values[m[1] + (m[2] || '')] = Number(m[3]);
  }
  return values;
}

/** Spearman's rank correlation (mean ranks for ties). */
export function spearman(a, b) {
  const ranks = (v) => {
    const idx = v.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
    const r = new Array(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const m = (a.length - 1) / 2;
  let cov = 0; let va = 0; let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (ra[i] - m) * (rb[i] - m); va += (ra[i] - m) ** 2; vb += (rb[i] - m) ** 2;
  }
  return va && vb ? cov / Math.sqrt(va * vb) : 0;
}

const probe = (port) => new Promise((resolve) => {
  const srv = createServer();
  srv.once('error', () => resolve(false));
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});

/** `count` consecutive free loopback ports (the bed's axons take consecutive ports). */
export async function freePorts(count) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await probe(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/**
 * Runs a market and returns what it measured. Options:
 * - peers: synthetic peers; adversaries: names for `peers --adversaries`;
 * - learners: honest learners (owners //Alice, //Bob, …); learnerArgs: extra flags each;
 * - trainMs: how long they train once each has set weights twice; node: a started node;
 * - steps: instead of trainMs, each learner trains this many steps (`--steps`) and stops by
 *   itself, so that runs compare at equal steps; evalBatches: validation batches.
 */
export async function runMarket({
  peers = 6, adversaries = [], learners = 2, learnerArgs = [], trainMs = 30_000,
  weightsEvery = 5, node: given, log = () => {}, steps, evalBatches = 16, evalEvery = 200,
} = {}) {
  await cryptoWaitReady();
  const node = given || await startDevNode();
  const dir = mkdtempSync(join(tmpdir(), 'mindnet-market-'));
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  const owners = ['//Alice', '//Bob', '//Dave', '//Eve'].slice(0, learners);
  const cli = async (args) => JSON.parse(await run(cliBinary(), [...args, '--json', '--url', node.url]));
  const honest = owners.map((owner, i) => ({
    i, owner, suri: `${owner}//learner`, address: keyring.addFromUri(`${owner}//learner`).address,
  }));
  const children = [];
  const stopAll = async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGINT');
    await Promise.all(children.map((c) => Promise.race([c.exited, sleep(30_000).then(() => c.child.kill('SIGKILL'))])));
  };
  const start = (name, args) => {
    const child = spawn(learnerBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MINDNET_LOG: 'info' } });
    const c = { name, child, log: '' };
    child.stderr.on('data', (d) => { c.log = (c.log + d.toString()).slice(-30_000); });
    c.exited = new Promise((resolve) => child.on('exit', resolve));
    children.push(c);
    return c;
  };
  try {
    await Promise.all(honest.map(async (p) => {
      await cli(['transfer', '--suri', p.owner, '--to', p.address, '--amount', '10', '--yes', '--wait', 'inclusion']);
      p.uid = (await cli(['register', '--netuid', '0', '--suri', p.owner, '--hotkey-suri', p.suri, '--yes', '--wait', 'inclusion'])).uid;
      await cli(['stake', 'add', '--suri', p.owner, '--hotkey', p.address, '--amount', '1000', '--yes', '--wait', 'inclusion']);
    }));
    log(`learners registered: ${honest.map((p) => p.uid).join(', ')}`);

    // The bed: synthetic peers and adversaries, owned by Charlie.
    const size = peers + adversaries.length;
    const manifest = join(dir, 'bed.json');
    const bedArgs = ['peers', '--url', node.url, '--owner-suri', '//Charlie', '--count', String(peers),
      '--port', String(await freePorts(size)), '--bind', '127.0.0.1', '--manifest', manifest];
    if (adversaries.length) bedArgs.push('--adversaries', adversaries.join(','), '--split-to', honest[0].address);
    const bed = start('bed', bedArgs);
    const setUp = Date.now();
    while (!existsSync(manifest)) {
      if (bed.child.exitCode !== null) throw new Error(`the bed exited with ${bed.child.exitCode}:\n${bed.log}`);
      if (Date.now() - setUp > 300_000) throw new Error(`the bed was not set up within 300 s:\n${bed.log}`);
      await sleep(1000);
    }
    const members = JSON.parse(readFileSync(manifest, 'utf8'));
    log(`bed set up in ${((Date.now() - setUp) / 1000).toFixed(0)} s: ${members.length} peers`);

    for (const p of honest) {
      p.port = await freePort();
      p.summary = join(dir, `summary-${p.i}.json`);
      p.proc = start(`learner ${p.i}`, [
        'run', '--url', node.url, '--suri', p.suri, '--netuid', '0', '--port', String(p.port),
        '--bind', '127.0.0.1', '--shard', `${p.i}/${learners}`, '--seed', String(p.i + 1),
        '--eval-every', String(evalEvery), '--eval-batches', String(evalBatches),
        '--min-peers', String(size + learners - 1),
        '--weights-every', String(weightsEvery), '--summary', p.summary,
        '--checkpoint', join(dir, `learner-${p.i}.safetensors`),
        ...(steps ? ['--steps', String(steps)] : []), ...learnerArgs,
      ]);
    }
    if (steps) {
      // Each learner stops by itself after `steps`.
      const deadline = sleep(1_800_000).then(() => 'timeout');
      for (const p of honest) {
        const code = await Promise.race([p.proc.exited, deadline]);
        if (code !== 0) throw new Error(`learner ${p.i} ended with ${code}:\n${p.proc.log}`);
        p.result = JSON.parse(readFileSync(p.summary, 'utf8'));
      }
      log(`every learner took ${steps} steps`);
      return { node, members, honest, served: [], incentive: {}, dir };
    }
    // Every learner sets weights twice (each only once enough peers have enough evidence).
    const started = Date.now();
    for (;;) {
      for (const c of children) if (c.child.exitCode !== null) throw new Error(`${c.name} exited with ${c.child.exitCode}:\n${c.log}`);
      const blocks = await Promise.all(honest.map(async (p) => {
        try { return (await metrics(p.port)).mindnet_learner_weights_block; } catch { return undefined; }
      }));
      honest.forEach((p, k) => {
        if (blocks[k] !== undefined && blocks[k] !== p.lastBlock) { p.sets = (p.sets || 0) + 1; p.lastBlock = blocks[k]; }
      });
      if (honest.every((p) => (p.sets || 0) >= 2)) break;
      if (Date.now() - started > 600_000) {
        throw new Error(`not every learner set weights twice within 600 s:\n${honest.map((p) => `#${p.i}: ${p.proc.log.slice(-3000)}`).join('\n')}`);
      }
      await sleep(2000);
    }
    log(`every learner set weights twice after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await sleep(trainMs);
    const served = await Promise.all(honest.map((p) => metrics(p.port)));
    for (const p of honest) p.proc.child.kill('SIGINT');
    for (const p of honest) {
      const code = await p.proc.exited;
      if (code !== 0) throw new Error(`learner ${p.i} exited with ${code}:\n${p.proc.log}`);
      p.result = JSON.parse(readFileSync(p.summary, 'utf8'));
    }
    // Let the chain run an epoch on the last weights (tempo 10 on the dev chain).
    const { api } = node;
    const lastSet = Math.max(...honest.map((p) => p.result.weights_block));
    while ((await api.rpc.chain.getHeader()).number.toNumber() <= lastSet + 12) await sleep(3000);
    // In pages, as a client must read a full-size network.
    const neurons = [];
    for (let start = 0; ; start += 1024) {
      const page = (await api.call.mindnetApi.neuronsPage(0, start, 1024)).toJSON();
      neurons.push(...page);
      if (page.length === 0 || page[page.length - 1].uid >= (await api.query.mindnet.neuronCount(0)).toNumber() - 1) break;
    }
    const incentive = Object.fromEntries(neurons.map((n) => [n.uid, Number(n.incentive)]));
    return { node, members, honest, served, incentive, dir };
  } finally {
    await stopAll();
    if (!given) await node.stop();
  }
}

/** Removes a market's folder. */
export const cleanUp = (m) => m?.dir && rmSync(m.dir, { recursive: true, force: true });
