// A forkless runtime upgrade on a live four-validator network (run by
// scripts/e2e/upgrade.sh): the network starts on the previous runtime (the local chain
// spec committed at FROM_REV, whose genesis holds that runtime's wasm), is filled with
// neurons, stake, a delegation, weights and bonds, and is upgraded to this checkout's
// runtime with sudo(system.setCode). Then:
//   - every node reports the new spec_version, and blocks and finality continue on all four;
//   - every neuron, weight row, bond row, stake pool and position, account balance and the
//     total issuance read through the new runtime equal what the old one held;
//   - the next epoch completes and mints exactly blockEmission for each of its blocks, and
//     so does one under transitive ranking (the new runtime's code on the old state).
// Prints a timeline.
//
//   node tests/upgrade.js      (FROM_REV=a4c616d, MINDNET_WASM=<the runtime's wasm>)
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aWrapBytes, u8aToHex } from '@polkadot/util';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { Localnet, VALIDATORS, rpc } from './localnet.js';
import { send } from './e2e/node.js';

const FROM_REV = process.env.FROM_REV ?? 'a4c616d';
const WASM = process.env.MINDNET_WASM ?? join(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/mindnet-target'),
  'debug/wbuild/mindnet-runtime/mindnet_runtime.wasm');
const MIND = 1_000_000_000n;
const TEMPO = 10;
const t0 = Date.now();
const log = (s) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes node `name`'s whole state at block `hash` to `file` as `{"top": {key: value}}`
 *  (what runtime/tests/try_upgrade.rs reads), when MINDNET_SNAPSHOT_DIR names a folder. */
async function dumpState(net, name, hash, file) {
  const dir = process.env.MINDNET_SNAPSHOT_DIR;
  if (!dir) return null;
  const pairs = await rpc(net.nodes.get(name).rpc, 'state_getPairs', ['0x', hash.toString()], 120_000);
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ top: Object.fromEntries(pairs) }));
  return { path, keys: pairs.length };
}

/** Everything the upgrade must keep, read at block `hash`. */
async function snapshot(api, hash, accounts) {
  const at = await api.at(hash);
  const entries = async (q) => (await q.entries()).map(([k, v]) => [k.toHex(), v.toHex()]).sort();
  return {
    neurons: (await at.call.mindnetApi.neurons(0)).map((n) => ({
      uid: n.uid.toNumber(), hotkey: n.hotkey.toString(), coldkey: n.coldkey.toString(),
      stake: n.stake.toString(), lastUpdate: n.lastUpdate.toString(), registeredAt: n.registeredAt.toString(),
      rank: n.rank.toString(), incentive: n.incentive.toString(), dividends: n.dividends.toString(),
    })),
    weights: await entries(at.query.mindnet.weights),
    bonds: await entries(at.query.mindnet.bonds),
    pools: await entries(at.query.mindnet.stakePools),
    positions: await entries(at.query.mindnet.stakePositions),
    coldkeyPositions: await entries(at.query.mindnet.coldkeyPositions),
    totalStake: (await at.query.mindnet.totalStake()).toString(),
    balances: await Promise.all(accounts.map(async (a) => (await at.query.system.account(a)).data.toHex())),
    issuance: (await at.query.balances.totalIssuance()).toString(),
  };
}

function diff(a, b, path = '') {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return [path];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => diff(a[k], b[k], `${path}.${k}`));
}

/** Waits for the next `EpochCompleted` of network 0 after block `from`; checks its emission. */
async function nextEpoch(api, from) {
  for (;;) {
    const head = await api.rpc.chain.getHeader();
    const top = head.number.toNumber();
    for (let n = from + 1; n <= top; n++) {
      const hash = await api.rpc.chain.getBlockHash(n);
      const at = await api.at(hash);
      const events = await at.query.system.events();
      for (const { event } of events) {
        if (event.section === 'mindnet' && event.method === 'EpochCompleted' && event.data[0].toNumber() === 0) {
          const before = await api.at(await api.rpc.chain.getBlockHash(n - 1));
          // Fees are burned: what the block's transactions paid is added back.
          const fees = events
            .filter(({ event: e }) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid')
            .reduce((a, { event: e }) => a + e.data[1].toBigInt(), 0n);
          const minted = (await at.query.balances.totalIssuance()).toBigInt()
            - (await before.query.balances.totalIssuance()).toBigInt() + fees;
          const perBlock = (await at.query.mindnet.blockEmission(0)).toBigInt();
          return { block: n, emission: event.data[1].toBigInt(), blocks: event.data[3].toBigInt(), perBlock, minted };
        }
      }
    }
    from = top;
    await sleep(2000);
  }
}

async function main() {
  await cryptoWaitReady();
  const dir = mkdtempSync(join(tmpdir(), 'mindnet-upgrade-'));
  const spec = join(dir, `local-${FROM_REV}.json`);
  writeFileSync(spec, execFileSync('git', ['show', `${FROM_REV}:chain-specs/local.json`], { maxBuffer: 64 << 20 }));
  const wasm = readFileSync(WASM);
  const net = new Localnet({ spec });
  let api;
  try {
    for (const name of VALIDATORS) await net.add(name);
    for (const name of VALIDATORS) net.start(name);
    await net.until('waiting for finality on all four', async () => {
      for (const name of VALIDATORS) if (((await net.finalized(name)) ?? 0) < 2) return false;
      return true;
    }, { timeoutMs: 300_000 });
    api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${net.nodes.get('alice').rpc}`), noInitWarn: true });
    const from = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
    log(`four validators finalise on runtime ${from} (${FROM_REV})`);

    // Fill: network 0 at tempo 10; four validators staked by Alice, one delegated to by
    // Bob; four miners; weights; two epochs for bonds.
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const validators = [0, 1, 2, 3].map((k) => keyring.addFromUri(`//Alice//v${k}`));
    const miners = [0, 1, 2, 3].map((k) => keyring.addFromUri(`//Alice//m${k}`));
    let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    const fromAlice = (tx) => send(api, tx, alice, { nonce: nonce++ });
    const deadline = (await api.query.system.number()).toNumber() + 300;
    const payload = await api.call.mindnetApi.registrationPayload(0, alice.address, deadline);
    await Promise.all([
      fromAlice(api.tx.sudo.sudo(api.tx.mindnet.setParameter(0, { Tempo: TEMPO }))),
      ...validators.map((v) => fromAlice(api.tx.balances.transferKeepAlive(v.address, 10n * MIND))),
      ...[...validators, ...miners].map((h) => fromAlice(api.tx.mindnet.register(
        0, h.address, deadline, { Sr25519: h.sign(u8aWrapBytes(payload.toU8a())) }))),
    ]);
    await Promise.all(validators.map((v, k) => fromAlice(api.tx.mindnet.addStake(0, v.address, BigInt(100 * (k + 1)) * MIND))));
    await send(api, api.tx.mindnet.addStake(0, validators[0].address, 50n * MIND), bob);
    const uid = async (k) => (await api.query.mindnet.uids(0, k.address)).unwrap().toNumber();
    const mUids = await Promise.all(miners.map(uid));
    await Promise.all(validators.map((v, k) => send(api,
      api.tx.mindnet.setWeights(0, mUids, mUids.map((_, j) => 1000 * (1 + ((j + k) % 4))), 0), v)));
    log('filled: 8 neurons, 4 staked validators (one delegated to), weights set');
    let head = (await api.rpc.chain.getHeader()).number.toNumber();
    for (let k = 0; k < 2; k++) {
      const e = await nextEpoch(api, head);
      head = e.block;
      log(`epoch completed in block ${e.block} on runtime ${from}: ${e.emission} minted`);
    }
    // Upgrade early in a tempo, so that no epoch runs between the two snapshots.
    for (;;) {
      const n = (await api.rpc.chain.getHeader()).number.toNumber();
      if (n % TEMPO === 1) break;
      await sleep(1000);
    }
    const accounts = [alice, bob, ...validators, ...miners].map((k) => k.address);
    const setCode = api.tx.sudo.sudoUncheckedWeight(api.tx.system.setCode(u8aToHex(wasm)), { refTime: 0, proofSize: 0 });
    const { blockHash } = await send(api, setCode, alice);
    const upgradeBlock = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    const beforeHash = await api.rpc.chain.getBlockHash(upgradeBlock - 1);
    const before = await snapshot(api, beforeHash, accounts);
    log(`system.setCode (${wasm.length} bytes) included in block ${upgradeBlock}`);
    const preState = await dumpState(net, 'alice', beforeHash, 'before-upgrade.json');
    if (preState) log(`state before the upgrade (${preState.keys} keys) written to ${preState.path}`);
    await api.disconnect();
    await net.until('waiting for the new runtime on every node', async () => {
      for (const name of VALIDATORS) {
        const v = await net.rpc(name, 'state_getRuntimeVersion').catch(() => null);
        if (!v || v.specVersion <= from) return false;
      }
      return true;
    }, { timeoutMs: 120_000 });
    api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${net.nodes.get('alice').rpc}`), noInitWarn: true });
    const to = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
    log(`every node runs runtime ${to}`);
    // Read through the new runtime, in the block after the upgrade (no epoch yet).
    await net.until('waiting for the block after the upgrade', async () => (await net.best('alice')) > upgradeBlock + 1);
    const afterHash = await api.rpc.chain.getBlockHash(upgradeBlock + 1);
    const after = await snapshot(api, afterHash, accounts);
    const changed = diff(before, after);
    if (changed.length) throw new Error(`the upgrade changed ${changed.join(', ')}`);
    log(`state intact through the new runtime: ${before.neurons.length} neurons, ${before.weights.length} weight rows, `
      + `${before.bonds.length} bond rows, ${before.pools.length} pools, ${before.positions.length} positions, ${accounts.length} balances, issuance`);
    // Finality continues on all four.
    const finalAt = Math.max(...await Promise.all(VALIDATORS.map((n) => net.finalized(n))));
    await net.until('waiting for finality past the upgrade on all four', async () => {
      for (const name of VALIDATORS) if (((await net.finalized(name)) ?? 0) < Math.max(finalAt, upgradeBlock) + 3) return false;
      return true;
    }, { timeoutMs: 180_000 });
    log(`all four finalise past block ${upgradeBlock + 3}`);
    // The next epoch mints exactly, on the old state with the new code; then one under
    // transitive ranking.
    const e1 = await nextEpoch(api, upgradeBlock);
    if (e1.emission !== e1.perBlock * e1.blocks || e1.minted !== e1.emission) {
      throw new Error(`the epoch after the upgrade minted ${e1.minted}, reported ${e1.emission}, expected ${e1.perBlock} × ${e1.blocks}`);
    }
    log(`epoch completed in block ${e1.block} on runtime ${to}: ${e1.emission} = ${e1.perBlock} × ${e1.blocks} blocks, issuance +${e1.minted}`);
    await send(api, api.tx.sudo.sudo(api.tx.mindnet.setParameter(0, { Ranking: 'Transitive' })), alice);
    // Under transitive ranking a neuron ranks only by what it keeps: each validator now
    // weights itself as well as the miners.
    const vUids = await Promise.all(validators.map(uid));
    await Promise.all(validators.map((v, k) => send(api,
      api.tx.mindnet.setWeights(0, [...mUids, vUids[k]].sort((a, b) => a - b),
        [...mUids, vUids[k]].sort((a, b) => a - b).map((u) => (u === vUids[k] ? 4000 : 1000)), 0), v)));
    let e2 = await nextEpoch(api, e1.block);
    // The parameter applies from the epoch that starts after it was set.
    if ((await (await api.at(await api.rpc.chain.getBlockHash(e2.block - 1))).query.mindnet.networkRanking(0)).toString() !== 'Transitive') {
      e2 = await nextEpoch(api, e2.block);
    }
    if (e2.emission !== e2.perBlock * e2.blocks || e2.minted !== e2.emission) {
      throw new Error(`the transitive epoch minted ${e2.minted}, reported ${e2.emission}`);
    }
    log(`transitive epoch completed in block ${e2.block}: ${e2.emission} minted exactly`);
    const postState = await dumpState(net, 'alice', await api.rpc.chain.getBlockHash(e2.block), 'after-upgrade.json');
    if (postState) log(`state after the upgrade and two epochs (${postState.keys} keys) written to ${postState.path}`);
    console.log(JSON.stringify({ from, to, upgrade_block: upgradeBlock, seconds: Math.round((Date.now() - t0) / 1000) }));
  } finally {
    if (api) await api.disconnect().catch(() => {});
    await net.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
