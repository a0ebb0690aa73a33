// The market on a dev chain at a small size: two honest mindnet-learners, six synthetic
// peers of known usefulness (peer j tells the next byte with probability j / 5) and every
// adversary (noise, noise ×100, a dead axon, a late one, a gradient poisoner, and a peer
// honest with one learner only). The learners choose their top-4 peers per example among
// all twelve others, score them and set weights; the chain turns those into incentive.
// `scripts/e2e/market.sh` runs the same code with 64 peers.
//
// A second test runs a chain that refuses non-routable axons: a learner announcing
// 127.0.0.1 refuses to start, and one whose serve_axon keeps failing backs off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, cliBinary, learnerBinary, nodeBinary, freePort } from './node.js';
import { runMarket, cleanUp, metrics, run, sleep, spearman } from './market.js';

const TRAIN_MS = Number(process.env.MINDNET_LEARNER_TRAIN_MS || 30_000);
const ADVERSARIES = ['noise', 'loud', 'dead', 'late', 'poison', 'split'];

test('a market: adversaries lose, ranks follow usefulness, poison is harmless, the network helps', { timeout: 900_000 }, async () => {
  const m = await runMarket({ peers: 6, adversaries: ADVERSARIES, learners: 2, trainMs: TRAIN_MS, log: console.log });
  try {
    const synthetic = m.members.filter((x) => x.p !== null);
    const byName = Object.fromEntries(m.members.map((x) => [x.name, x]));
    const good = synthetic.filter((x) => x.p >= 0.2);
    const losers = ['noise', 'loud', 'dead', 'late', 'poison'].map((n) => byName[n]);
    for (const p of m.honest) {
      const w = (uid) => Number(p.result.weights[uid] ?? 0);
      console.log(`learner ${p.i} (uid ${p.uid}): weights ${JSON.stringify(p.result.weights)}, evidence ${JSON.stringify(p.result.evidence)}`);
      console.log(`  bytes/step ${p.result.peer_bytes_per_step.toFixed(0)}, validation ${p.result.validation_loss.toFixed(4)}`);
      const floor = Math.min(...good.map((x) => w(x.uid)));
      for (const a of losers) assert.ok(w(a.uid) < floor, `learner ${p.i}: ${a.name} (uid ${a.uid}, ${w(a.uid)}) below every peer with p >= 0.2 (lowest ${floor})`);
      const rho = spearman(synthetic.map((x) => x.p), synthetic.map((x) => w(x.uid)));
      console.log(`  spearman(weights, p) = ${rho.toFixed(3)}`);
      assert.ok(rho >= 0.8, `learner ${p.i} ranks the synthetic peers by usefulness: ${rho}`);
    }
    const inc = (x) => m.incentive[x.uid] ?? 0;
    console.log('incentive', m.members.map((x) => `${x.name}: ${inc(x)}`).join(', '));
    const floor = Math.min(...good.map(inc));
    for (const a of losers) assert.ok(inc(a) < floor, `${a.name}'s incentive ${inc(a)} is below every peer with p >= 0.2 (${floor})`);
    assert.ok(inc(byName.split) < inc(byName.p5), `honest to one learner only earns less (${inc(byName.split)}) than honest to all (${inc(byName.p5)})`);
    const rho = spearman(synthetic.map((x) => x.p), synthetic.map(inc));
    console.log(`spearman(incentive, p) = ${rho.toFixed(3)}`);
    assert.ok(rho >= 0.8, `incentive follows usefulness: ${rho}`);

    // The poisoner's gradients: the huge ones clipped, the non-finite ones refused, no
    // step undone for want of finite parameters, and both learners' losses finite.
    for (const [k, s] of m.served.entries()) {
      assert.ok(s.mindnet_learner_clipped_gradients > 0, JSON.stringify(s));
      assert.ok(s['mindnet_learner_requests{path="/backward",status="422"}'] > 0, JSON.stringify(s));
      assert.ok(Number.isFinite(m.honest[k].result.validation_loss));
    }
    // The network helps: the same model alone, same shard, seed and number of steps.
    for (const p of m.honest) {
      const alone = JSON.parse(await run(learnerBinary(), [
        'alone', '--shard', `${p.i}/2`, '--seed', String(p.i + 1), '--steps', String(p.result.validation_step), '--eval-every', '200', '--eval-batches', '16',
      ]));
      console.log(`learner ${p.i}: validation loss ${p.result.validation_loss.toFixed(4)} in the market, ${alone.validation_loss.toFixed(4)} alone (step ${p.result.validation_step})`);
      assert.ok(p.result.validation_loss < alone.validation_loss, `learner ${p.i} does better in the network`);
    }
    writeFileSync(join(m.dir, 'done'), '');
  } finally {
    cleanUp(m);
  }
});

test('on a chain that refuses non-routable axons: refused at start, and failures back off', { timeout: 600_000 }, async () => {
  await cryptoWaitReady();
  const dir = mkdtempSync(join(tmpdir(), 'mindnet-routable-'));
  const spec = JSON.parse(await run(nodeBinary(), ['build-spec', '--dev']));
  spec.genesis.runtimeGenesis.patch.mindnet.allowNonRoutableAxons = false;
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const node = await startDevNode({ chain: specPath });
  try {
    const cli = async (args) => JSON.parse(await run(cliBinary(), [...args, '--json', '--url', node.url]));
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
    const hotkey = keyring.addFromUri('//Alice//broke').address;
    // Registered (Alice pays) but the hotkey holds nothing: it cannot pay any fee.
    await cli(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//broke', '--yes', '--wait', 'inclusion']);
    const base = ['run', '--url', node.url, '--suri', '//Alice//broke', '--netuid', '0', '--bind', '127.0.0.1', '--steps', '1000000000'];

    // 1. The default --announce 127.0.0.1: one sentence, exit 2, before training.
    const refused = await run(learnerBinary(), [...base, '--port', String(await freePort())]).then(() => null, (e) => e);
    assert.ok(refused, 'the learner refused to start');
    assert.equal(refused.code, 2, refused.message);
    const said = refused.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(said.length, 1, refused.stderr);
    assert.match(said[0], /refuses axons at non-routable addresses and --announce 127\.0\.0\.1 is one: give the public IP/);

    // 2. A routable --announce, but serve_axon keeps failing: the learner backs off.
    const port = await freePort();
    const before = (await cli(['balance', hotkey]));
    const watchMs = Number(process.env.MINDNET_BACKOFF_WATCH_MS || 60_000);
    const { spawn } = await import('node:child_process');
    const child = spawn(learnerBinary(), [...base, '--port', String(port), '--announce', '8.8.8.8'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d) => { log = (log + d.toString()).slice(-20_000); });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await sleep(watchMs);
    const s = await metrics(port);
    child.kill('SIGINT');
    await exited;
    const after = (await cli(['balance', hotkey]));
    const attempts = s.mindnet_learner_transactions;
    console.log(`over ${watchMs / 1000} s: ${attempts} serve_axon attempts, ${s.mindnet_learner_failed_transactions} failed; fees paid: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    assert.ok(attempts >= 2, `it tried more than once: ${attempts}\n${log}`);
    // Without backoff it would try every 3 s; with it, at 0, 6, 18, 42, 90, 186 s, …
    const bound = Math.floor(Math.log2(watchMs / 6000 + 1)) + 1;
    assert.ok(attempts <= bound, `at most ${bound} attempts in ${watchMs / 1000} s, not one per refresh: ${attempts}\n${log}`);
    assert.deepEqual(after, before, 'no fee was paid');
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Seed 000 §2.5 and §2.8 on a dev chain: three learners ask each other; learner A serves
// its callers by competitive connectivity (--temperature), and learns a distilled student
// of its peers. Then both peers die: A keeps training and validating on its student, and
// later validates offline, from its checkpoint, with no network at all.
test('competitive connectivity serves callers by their weights; the student stands in for dead peers and offline', { timeout: 900_000 }, async () => {
  await cryptoWaitReady();
  const node = await startDevNode();
  const dir = mkdtempSync(join(tmpdir(), 'mindnet-student-'));
  const { spawn } = await import('node:child_process');
  const children = [];
  try {
    const cli = async (args) => JSON.parse(await run(cliBinary(), [...args, '--json', '--url', node.url]));
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
    const owners = ['//Alice', '//Bob', '//Dave'];
    const stakes = ['1000', '1000', '3000'];
    const ls = owners.map((owner, i) => ({ i, owner, suri: `${owner}//student`, address: keyring.addFromUri(`${owner}//student`).address }));
    for (const l of ls) {
      await cli(['transfer', '--suri', l.owner, '--to', l.address, '--amount', '10', '--yes', '--wait', 'inclusion']);
      l.uid = (await cli(['register', '--netuid', '0', '--suri', l.owner, '--hotkey-suri', l.suri, '--yes', '--wait', 'inclusion'])).uid;
      await cli(['stake', 'add', '--suri', l.owner, '--hotkey', l.address, '--amount', stakes[l.i], '--yes', '--wait', 'inclusion']);
    }
    // A neuron that sets no weights at all.
    const idle = (await cli(['register', '--netuid', '0', '--suri', '//Eve', '--hotkey-suri', '//Eve//idle', '--yes', '--wait', 'inclusion'])).uid;
    await cli(['stake', 'add', '--suri', '//Eve', '--hotkey', keyring.addFromUri('//Eve//idle').address, '--amount', '1000', '--yes', '--wait', 'inclusion']);
    const T = 0.5;
    for (const l of ls) {
      l.port = await freePort();
      l.summary = join(dir, `summary-${l.i}.json`);
      l.checkpoint = join(dir, `learner-${l.i}.safetensors`);
      const child = spawn(learnerBinary(), [
        'run', '--url', node.url, '--suri', l.suri, '--netuid', '0', '--port', String(l.port), '--bind', '127.0.0.1',
        '--shard', `${l.i}/3`, '--seed', String(l.i + 1), '--eval-every', '100', '--eval-batches', '32', '--min-peers', '2',
        '--min-evidence', '5', '--weights-every', '5', '--summary', l.summary, '--checkpoint', l.checkpoint,
        ...(l.i === 0 ? ['--temperature', String(T)] : []),
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      l.log = '';
      child.stderr.on('data', (d) => { l.log = (l.log + d.toString()).slice(-20_000); });
      l.exited = new Promise((resolve) => child.on('exit', resolve));
      l.child = child;
      children.push(l);
    }
    const [a, b, c] = ls;
    // A's validation losses as its evaluations publish them: [steps, loss].
    const seen = [];
    const watch = async () => {
      const s = await metrics(a.port);
      const v = s.mindnet_learner_validation_loss;
      if (v !== undefined && (!seen.length || seen[seen.length - 1][1] !== v)) seen.push([s.mindnet_learner_steps, v]);
      return s;
    };
    const until = async (what, ok, ms = 300_000) => {
      const t0 = Date.now();
      for (;;) {
        for (const l of ls) if (l.child.exitCode !== null && !l.stopped) throw new Error(`learner ${l.i} exited:\n${l.log}`);
        try { if (await ok()) return; } catch { /* not up yet */ }
        if (Date.now() - t0 > ms) throw new Error(`${what} within ${ms / 1000} s:\n${ls.map((l) => l.log.slice(-2000)).join('\n')}`);
        await sleep(1000);
      }
    };
    // B and C weight A on chain; A serves each the share eq. 7 gives, from the chain's
    // stakes and weights (retried: weights and A's reading of them move every few blocks).
    await until('B and C set weights on A', async () => {
      const rows = await Promise.all([b, c].map((l) => node.api.query.mindnet.weights(0, l.uid)));
      return rows.every((r) => r.toJSON().some(([to]) => to === a.uid));
    });
    let checked = null;
    await until('A serves its callers as eq. 7 gives', async () => {
      const neurons = (await node.api.call.mindnetApi.neurons(0)).toJSON();
      const onA = await Promise.all(neurons.map(async (n) => {
        const row = (await node.api.query.mindnet.weights(0, n.uid)).toJSON();
        const total = row.reduce((s, [, v]) => s + v, 0);
        const on = row.find(([to]) => to === a.uid);
        return on && total ? on[1] / total : 0;
      }));
      const st = neurons.map((n) => Number(BigInt(n.stake) / 1_000_000n));
      const mean = st.reduce((x, y) => x + y, 0) / st.length;
      const x = neurons.map((_, k) => (st[k] / mean) * onA[k]);
      const mu = x.reduce((p, q) => p + q, 0) / x.length;
      const expected = Object.fromEntries(neurons.map((n, k) => [n.uid, 1 / (1 + Math.exp(-(x[k] - mu) / T))]));
      const info = await (await fetch(`http://127.0.0.1:${a.port}/info`)).json();
      const ok = [b.uid, c.uid, idle].every((uid) => Math.abs((info.served[uid] ?? 1) - expected[uid]) < 1e-3);
      checked = { served: info.served, expected, onA };
      return ok;
    }, 120_000);
    console.log(`A serves by eq. 7 (T = ${T}): ${JSON.stringify(checked)}`);
    const least = Math.min(...Object.values(checked.served));
    assert.equal(checked.served[idle], least, `the neuron that sets no weight on A (uid ${idle}) gets the least`);
    assert.ok(least < checked.served[b.uid] && least < checked.served[c.uid]);

    // A's student is ready and A has trained a while with its peers.
    await until('A trains 1500 steps', async () => (await watch()).mindnet_learner_steps >= 1500);
    const before = seen.slice(-3).map(([, v]) => v);
    const lossBefore = before.reduce((x, y) => x + y, 0) / before.length;
    const killedAt = (await watch()).mindnet_learner_steps;
    for (const l of [b, c]) { l.stopped = true; l.child.kill('SIGKILL'); await l.exited; }
    const answersAtKill = (await watch()).mindnet_learner_peer_answers;
    // Three evaluations with every peer dead.
    await until('A trains on without its peers', async () => {
      await watch();
      return seen.filter(([s]) => s > killedAt + 100).length >= 3;
    });
    const s = await watch();
    const after = seen.filter(([st]) => st > killedAt + 100).slice(0, 3).map(([, v]) => v);
    const lossAfter = after.reduce((x, y) => x + y, 0) / after.length;
    console.log(`A: validation ${lossBefore.toFixed(4)} with its peers (steps to ${killedAt}), ${lossAfter.toFixed(4)} on its student after they died (${JSON.stringify(seen.slice(-6))})`);
    assert.ok(s.mindnet_learner_peer_answers - answersAtKill <= 2, 'nobody answers any more');
    assert.ok(lossAfter <= lossBefore * 1.1, `on its student, A's validation loss ${lossAfter} stays within 10 % of ${lossBefore}`);
    a.stopped = true;
    a.child.kill('SIGINT');
    assert.equal(await a.exited, 0, a.log);
    const summary = JSON.parse(readFileSync(a.summary, 'utf8'));
    console.log(`A's summary: student ${summary.student_validation_loss}, unaided ${summary.unaided_validation_loss}, distilled ${summary.student_steps} steps`);
    assert.ok(summary.student_validation_loss < summary.unaided_validation_loss, 'the student knows more than nothing');

    // Offline, from the checkpoint: the student stands in for every peer, no node at all.
    const offline = JSON.parse(await run(learnerBinary(), [
      'alone', '--offline', '--checkpoint', a.checkpoint, '--shard', '0/3', '--seed', '1',
      '--steps', String(summary.steps + 100), '--eval-every', '100', '--eval-batches', '32',
    ]));
    console.log(`offline: validation ${offline.validation_loss.toFixed(4)} after ${offline.steps} steps`);
    assert.ok(offline.validation_loss <= lossBefore * 1.1, `offline, A validates within 10 % of its networked loss: ${offline.validation_loss} vs ${lossBefore}`);
    const refused = await run(learnerBinary(), ['alone', '--offline', '--checkpoint', join(dir, 'none.safetensors')]).then(() => null, (e) => e);
    assert.equal(refused?.code, 2);
    assert.match(refused.stderr, /--offline needs --checkpoint FILE, an existing checkpoint/);
  } finally {
    for (const l of children) if (l.child.exitCode === null) l.child.kill('SIGKILL');
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
