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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
