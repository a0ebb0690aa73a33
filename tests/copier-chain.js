// A weight copier on a real dev chain (run by scripts/e2e/copier-chain.sh): three honest
// validators measure six miners whose quality drifts, and a copier submits the
// stake-weighted mean of the honest rows it can read. Run once with commit-reveal off
// (the copier reads this epoch's rows as soon as they land) and once with it on (it reads
// only revealed rows, and its own copy counts one epoch later). Prints the copier's
// dividend yield against the median honest validator's, G, from on-chain dividends, next
// to what `mindnet-sim copier` computes for the same market and horizon, and fails if
// they differ by more than 0.1.
//
//   node tests/copier-chain.js            # EPOCHS=16 WARMUP=6 TEMPO=5 DRIFT=0.1
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { u8aWrapBytes } from '@polkadot/util';
import { startDevNode, send } from './e2e/node.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';

const MIND = 1_000_000_000n;
const EPOCHS = Number(process.env.EPOCHS ?? 16);
const WARMUP = Number(process.env.WARMUP ?? 6);
const TEMPO = Number(process.env.TEMPO ?? 5);
const DRIFT = Number(process.env.DRIFT ?? 0.1);
const NOISE = 0.1;
const HONEST_STAKE = [300n, 200n, 100n];
const COPIER_STAKE = 100n;
const MINERS = 6;

/** SplitMix64 in BigInt: the same draws on every run. */
function rng(seed) {
  let s = BigInt(seed);
  const mask = (1n << 64n) - 1n;
  const next = () => {
    s = (s + 0x9E3779B97F4A7C15n) & mask;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & mask;
    return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

/** `values` scaled so the largest is 65535 (zeros dropped), over `uids`. */
function row(uids, values) {
  const max = Math.max(...values);
  const out = { uids: [], values: [] };
  values.forEach((v, k) => {
    const w = max > 0 ? Math.round((v / max) * 65535) : 0;
    if (w >= 1) { out.uids.push(uids[k]); out.values.push(Math.min(w, 65535)); }
  });
  return out;
}

async function waitEpoch(api, after) {
  for (;;) {
    const e = (await api.query.mindnet.epochIndex(0)).toNumber();
    if (e > after) return e;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function run(commitReveal) {
  const node = await startDevNode();
  const { api } = node;
  try {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
    const alice = keyring.addFromUri('//Alice');
    const honest = HONEST_STAKE.map((_, k) => keyring.addFromUri(`//Alice//honest${k}`));
    const copier = keyring.addFromUri('//Alice//copier');
    const miners = [...Array(MINERS)].map((_, k) => keyring.addFromUri(`//Alice//miner${k}`));
    const validators = [...honest, copier];
    while ((await api.query.system.number()).toNumber() < 1) await new Promise((r) => setTimeout(r, 500));
    // Setup from Alice, nonces in order so the transactions share blocks.
    let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    const fromAlice = (tx) => send(api, tx, alice, { nonce: nonce++ });
    const sudo = (call) => fromAlice(api.tx.sudo.sudo(call));
    await Promise.all([
      sudo(api.tx.mindnet.setParameter(0, { Tempo: TEMPO })),
      sudo(api.tx.mindnet.setParameter(0, { CommitReveal: commitReveal })),
      ...validators.map((v) => fromAlice(api.tx.balances.transferKeepAlive(v.address, 10n * MIND))),
    ]);
    const deadline = (await api.query.system.number()).toNumber() + 200;
    const payload = await api.call.mindnetApi.registrationPayload(0, alice.address, deadline);
    const register = (hot) => fromAlice(api.tx.mindnet.register(
      0, hot.address, deadline, { Sr25519: hot.sign(u8aWrapBytes(payload.toU8a())) }));
    await Promise.all([...validators, ...miners].map(register));
    const stakes = [...HONEST_STAKE, COPIER_STAKE];
    await Promise.all(validators.map((v, k) => fromAlice(api.tx.mindnet.addStake(0, v.address, stakes[k] * MIND))));
    const uid = async (k) => (await api.query.mindnet.uids(0, k.address)).unwrap().toNumber();
    const vUids = await Promise.all(validators.map(uid));
    const mUids = await Promise.all(miners.map(uid));
    const draw = rng(7);
    let quality = mUids.map(() => 0.1 + 0.9 * draw.next());
    const noise = validators.map((_, k) => rng(100 + k));
    const pending = new Map(); // validator index → {uids, values, salt}
    const setRow = async (k, r) => {
      const signer = validators[k];
      if (!commitReveal) return send(api, api.tx.mindnet.setWeights(0, r.uids, r.values, 0), signer);
      // Reveal last epoch's commit (due now), then commit this one.
      const last = pending.get(k);
      if (last) {
        await send(api, api.tx.mindnet.revealWeights(0, last.uids, last.values, 0, last.salt), signer)
          .catch((e) => console.error(`validator ${k}: reveal: ${e.message}`));
      }
      const salt = randomAsU8a(32);
      const encoded = api.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, u64, [u8; 32])',
        [signer.address, 0, r.uids, r.values, 0, salt]).toU8a();
      await send(api, api.tx.mindnet.commitWeights(0, blake2AsU8a(encoded, 256)), signer);
      pending.set(k, { ...r, salt });
    };
    const yields = validators.map(() => 0);
    const perEpoch = [];
    let epoch = (await api.query.mindnet.epochIndex(0)).toNumber();
    for (let t = 0; t < EPOCHS; t++) {
      epoch = await waitEpoch(api, epoch);
      // The epoch that just completed: each validator's dividends over its stake.
      const neurons = await api.call.mindnetApi.neurons(0);
      const byUid = new Map(neurons.map((n) => [n.uid.toNumber(), n]));
      const y = vUids.map((u) => {
        const n = byUid.get(u);
        const stake = Number(n.stake.toBigInt()) / 1e9;
        return stake > 0 ? n.dividends.toNumber() / 1e9 / stake : 0;
      });
      const honestY = y.slice(0, honest.length).sort((a, b) => a - b);
      const median = honestY[Math.floor(honestY.length / 2)];
      perEpoch.push(median > 0 ? y[honest.length] / median : 0);
      if (t >= WARMUP) y.forEach((v, k) => { yields[k] += v; });
      // This epoch's measurements.
      quality = quality.map((q) => {
        let x = Math.abs(q + DRIFT * draw.normal());
        return x > 1 ? 2 - x : x;
      });
      const rows = honest.map((_, k) => row(mUids, quality.map((q) => Math.max(0, q + NOISE * noise[k].normal()))));
      await Promise.all(rows.map((r, k) => setRow(k, r)));
      // The copier: the stake-weighted mean of the honest rows stored now (with
      // commit-reveal, those revealed; without, this epoch's).
      const mean = mUids.map(() => 0);
      for (let k = 0; k < honest.length; k++) {
        const stored = await api.query.mindnet.weights(0, vUids[k]);
        const total = stored.reduce((a, [, v]) => a + v.toNumber(), 0);
        for (const [j, v] of stored) {
          const at = mUids.indexOf(j.toNumber());
          if (at >= 0 && total > 0) mean[at] += Number(HONEST_STAKE[k]) * v.toNumber() / total;
        }
      }
      if (mean.some((v) => v > 0)) await setRow(honest.length, row(mUids, mean));
    }
    const honestYields = yields.slice(0, honest.length).sort((a, b) => a - b);
    const median = honestYields[Math.floor(honestYields.length / 2)];
    return { g: yields[honest.length] / median, g_per_epoch: perEpoch.map((g) => Number(g.toFixed(4))) };
  } finally {
    await node.stop();
  }
}

await cryptoWaitReady();
const t0 = Date.now();
const off = await run(false);
const on = await run(true);
const result = {
  epochs: EPOCHS, warmup: WARMUP, tempo: TEMPO, drift: DRIFT,
  copier_share: Number(COPIER_STAKE) / Number([...HONEST_STAKE, COPIER_STAKE].reduce((a, b) => a + b)),
  g_commit_reveal_off: Number(off.g.toFixed(4)),
  g_commit_reveal_on: Number(on.g.toFixed(4)),
  g_per_epoch_off: off.g_per_epoch,
  g_per_epoch_on: on.g_per_epoch,
  seconds: Math.round((Date.now() - t0) / 1000),
};
// The same market in mindnet-sim (the chain's epoch, 8 seeds).
const sim = process.env.MINDNET_SIM
  ?? join(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/mindnet-target'), 'release/mindnet-sim');
const out = mkdtempSync(join(tmpdir(), 'mindnet-copier-sim-'));
execFileSync(sim, ['copier', '--out', out, '--miners', String(MINERS), '--honest', String(HONEST_STAKE.length),
  '--shares', String(result.copier_share), '--no-static', '--drifts', String(DRIFT),
  '--epochs', String(EPOCHS), '--warmup', String(WARMUP), '--seeds', '8'], { stdio: ['ignore', 'ignore', 'inherit'] });
const rows = readFileSync(join(out, 'copier.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
rmSync(out, { recursive: true, force: true });
const simG = (delay) => Number(rows.find((r) => r[2] === 'weights' && r[3] === String(delay))[4]);
result.sim_g_commit_reveal_off = simG(0);
result.sim_g_commit_reveal_on = simG(1);
console.log(JSON.stringify(result, null, 2));
const apart = Math.max(Math.abs(off.g - simG(0)), Math.abs(on.g - simG(1)));
if (!(apart <= 0.1)) {
  console.error(`the chain's G differs from mindnet-sim's for the same market by ${apart.toFixed(3)} (more than 0.1)`);
  process.exit(1);
}
