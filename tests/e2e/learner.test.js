// Four mindnet-learners on a dev chain's network 0, one of them serving noise: each is
// registered and staked with the `mindnet` CLI, announces its axon, queries the others,
// scores them and sets weights. The test checks that the honest learners weight the noisy
// peer lowest, that the chain gives it the lowest incentive, and that the network helps:
// each honest learner's validation loss is below what the same model reaches alone on the
// same data in the same number of steps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, cliBinary, learnerBinary, freePort } from './node.js';

const LEARNERS = 4;
const NOISY = 3;
// How long the learners train once every one has set weights twice, in ms.
const TRAIN_MS = Number(process.env.MINDNET_LEARNER_TRAIN_MS || 60_000);

let node;
let dir;
before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  dir = mkdtempSync(join(tmpdir(), 'mindnet-learners-'));
});
after(async () => {
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(bin, args, { env = {}, timeout = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: { ...process.env, ...env }, timeout, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed (${error.code}): ${stderr.slice(-4000)}`));
      else resolve(stdout);
    });
  });
}

const mindnet = async (args) => JSON.parse(await run(cliBinary(), [...args, '--json', '--url', node.url]));

async function metrics(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const values = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^(\w+)(\{[^}]*\})? (\S+)$/);
    if (m) values[m[1] + (m[2] || '')] = Number(m[3]);
  }
  return values;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('four learners, one serving noise: the noisy peer ranks lowest and the network helps', { timeout: 600_000 }, async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  const owners = ['//Alice', '//Bob', '//Charlie', '//Dave'];
  const peers = owners.map((owner, i) => ({
    i,
    owner,
    suri: `${owner}//learner`,
    address: keyring.addFromUri(`${owner}//learner`).address,
  }));

  // Fund, register and stake each hotkey (each owner is its own coldkey: in parallel).
  await Promise.all(peers.map(async (p) => {
    await mindnet(['transfer', '--suri', p.owner, '--to', p.address, '--amount', '10', '--yes', '--wait', 'inclusion']);
    const reg = await mindnet(['register', '--netuid', '0', '--suri', p.owner, '--hotkey-suri', p.suri, '--yes', '--wait', 'inclusion']);
    p.uid = reg.uid;
    await mindnet(['stake', 'add', '--suri', p.owner, '--hotkey', p.address, '--amount', '1000', '--yes', '--wait', 'inclusion']);
  }));
  assert.equal(new Set(peers.map((p) => p.uid)).size, LEARNERS);

  // Start the learners.
  for (const p of peers) {
    p.port = await freePort();
    p.summary = join(dir, `summary-${p.i}.json`);
    const args = [
      'run', '--url', node.url, '--suri', p.suri, '--netuid', '0', '--port', String(p.port),
      '--bind', '127.0.0.1', '--shard', `${p.i}/${LEARNERS}`, '--seed', String(p.i + 1),
      '--eval-every', '200', '--eval-batches', '16', '--min-peers', String(LEARNERS - 1), '--weights-every', '5', '--summary', p.summary,
      '--checkpoint', join(dir, `learner-${p.i}.safetensors`),
    ];
    if (p.i === NOISY) args.push('--serve', 'noise');
    p.child = spawn(learnerBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MINDNET_LOG: 'info' } });
    p.log = '';
    p.child.stderr.on('data', (d) => { p.log = (p.log + d.toString()).slice(-30_000); });
    p.exited = new Promise((resolve) => p.child.on('exit', resolve));
  }
  const stopAll = async () => {
    for (const p of peers) if (p.child.exitCode === null) p.child.kill('SIGINT');
    await Promise.all(peers.map((p) => Promise.race([p.exited, sleep(30_000).then(() => p.child.kill('SIGKILL'))])));
  };

  try {
    // Every learner announces its axon and sets weights twice.
    const started = Date.now();
    for (;;) {
      const blocks = await Promise.all(peers.map(async (p) => {
        if (p.child.exitCode !== null) throw new Error(`learner ${p.i} exited with ${p.child.exitCode}:\n${p.log}`);
        try { return (await metrics(p.port)).mindnet_learner_weights_block; } catch { return undefined; }
      }));
      peers.forEach((p, k) => {
        if (blocks[k] !== undefined && blocks[k] !== p.lastBlock) {
          p.sets = (p.sets || 0) + 1;
          p.lastBlock = blocks[k];
        }
      });
      if (peers.every((p) => (p.sets || 0) >= 2)) break;
      if (Date.now() - started > 300_000) {
        throw new Error(`not every learner set weights twice within 300 s:\n${peers.map((p) => `#${p.i}: ${p.log.slice(-3000)}`).join('\n')}`);
      }
      await sleep(2000);
    }
    // Train on, then let the chain run an epoch on the last weights.
    await sleep(TRAIN_MS);
    const served = await metrics(peers[0].port);
    await stopAll();
    for (const p of peers) {
      assert.equal(await p.exited, 0, `learner ${p.i} exited cleanly:\n${p.log}`);
      p.result = JSON.parse(readFileSync(p.summary, 'utf8'));
    }
    // Each honest learner's axon answered its peers' signed requests.
    assert.ok(served['mindnet_learner_requests{path="/forward",status="200"}'] > 0, JSON.stringify(served));
    assert.ok(served['mindnet_learner_requests{path="/backward",status="202"}'] > 0, JSON.stringify(served));

    const noisyUid = peers[NOISY].uid;
    for (const p of peers.filter((q) => q.i !== NOISY)) {
      const w = p.result.weights;
      const others = peers.filter((q) => q.uid !== noisyUid).map((q) => Number(w[q.uid] ?? 0));
      const noisy = Number(w[noisyUid] ?? 0);
      console.log(`learner ${p.i} (uid ${p.uid}) weights ${JSON.stringify(w)}; scores ${JSON.stringify(p.result.scores)}`);
      assert.ok(others.every((x) => x > noisy), `learner ${p.i} weights the noisy uid ${noisyUid} lowest: ${JSON.stringify(w)}`);
    }

    // The chain: wait for an epoch after the last weights, then compare incentives.
    const { api } = node;
    const lastSet = Math.max(...peers.map((p) => p.result.weights_block));
    // Tempo is 10 on the dev chain: 12 blocks hold an epoch run on them.
    while ((await api.rpc.chain.getHeader()).number.toNumber() <= lastSet + 12) await sleep(3000);
    const neurons = (await api.call.mindnetApi.neurons(0)).toJSON();
    const incentive = (uid) => Number(neurons.find((n) => n.uid === uid).incentive);
    console.log('incentives', peers.map((p) => `uid ${p.uid}: ${incentive(p.uid)}`).join(', '));
    for (const p of peers.filter((q) => q.i !== NOISY)) {
      assert.ok(incentive(p.uid) > incentive(noisyUid), `uid ${p.uid}'s incentive is above the noisy uid ${noisyUid}'s`);
    }

    // The network helps: the same model alone, same shard, seed and number of steps.
    for (const p of peers.filter((q) => q.i !== NOISY)) {
      const alone = JSON.parse(await run(learnerBinary(), [
        'alone', '--shard', `${p.i}/${LEARNERS}`, '--seed', String(p.i + 1), '--steps', String(p.result.validation_step), '--eval-every', '200', '--eval-batches', '16',
      ]));
      console.log(`learner ${p.i}: at step ${p.result.validation_step}, validation loss ${p.result.validation_loss.toFixed(4)} in the network, ${alone.validation_loss.toFixed(4)} alone`);
      console.log(`  curve in the network ${JSON.stringify(p.result.curve.map(([s, l]) => [s, +l.toFixed(3)]))}`);
      console.log(`  curve alone          ${JSON.stringify(alone.curve.map(([s, l]) => [s, +l.toFixed(3)]))}`);
      assert.ok(p.result.validation_loss < alone.validation_loss, `learner ${p.i} does better in the network`);
    }
    writeFileSync(join(dir, 'done'), '');
  } finally {
    await stopAll();
  }
});
