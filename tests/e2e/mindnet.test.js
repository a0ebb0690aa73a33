// End to end against a real dev node: register (with the hotkey's consent), stake, set
// weights, wait for an epoch, and see the minted emission in the stake the runtime API
// reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, send } from './node.js';
import { u8aWrapBytes } from '@polkadot/util';

const TOKEN = 1_000_000_000n;
let node;
let api;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  node = await startDevNode();
  api = node.api;
});

after(async () => {
  if (node) await node.stop();
});

/** Resolves with the first block number for which `pred(header)` holds. */
function waitFor(subscribe, pred, timeoutMs) {
  return new Promise((resolve, reject) => {
    let unsub;
    const timer = setTimeout(() => { if (unsub) unsub(); reject(new Error(`timed out after ${timeoutMs} ms`)); }, timeoutMs);
    subscribe((header) => {
      if (pred(header)) {
        clearTimeout(timer);
        if (unsub) unsub();
        resolve(header.number.toNumber());
      }
    }).then((u) => { unsub = u; });
  });
}

test('the dev chain produces and finalises blocks and says what its token is', async () => {
  const finalized = await waitFor((cb) => api.rpc.chain.subscribeFinalizedHeads(cb), (h) => h.number.toNumber() >= 2, 90_000);
  assert.ok(finalized >= 2);
  const props = await api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'MIND');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 9);
  assert.equal(props.ss58Format.unwrap().toNumber(), 7734);
  assert.equal((await api.query.mindnet.tempo(0)).toNumber(), 10);
});

/** The hotkey's consent to `coldkey` registering it on `netuid`, valid for 100 blocks. */
async function consent(netuid, hotkey, coldkey) {
  const deadline = (await api.query.system.number()).toNumber() + 100;
  const payload = await api.call.mindnetApi.registrationPayload(netuid, coldkey.address, deadline);
  return { deadline, signature: { Sr25519: hotkey.sign(u8aWrapBytes(payload.toU8a())) } };
}

/** `api.tx.mindnet.register` signed by `coldkey` with `hotkey`'s consent. */
async function registerTx(netuid, hotkey, coldkey) {
  const { deadline, signature } = await consent(netuid, hotkey, coldkey);
  return api.tx.mindnet.register(netuid, hotkey.address, deadline, signature);
}

test('a hotkey is registered only by the coldkey it consented to', async () => {
  const victim = keyring.addFromUri('//Dave');
  const thief = keyring.addFromUri('//Eve');
  const hotkey = keyring.addFromUri('//Dave//hot');
  const { deadline, signature } = await consent(0, hotkey, victim);
  // Eve copies Dave's call from the pool and submits it as her own.
  await assert.rejects(
    send(api, api.tx.mindnet.register(0, hotkey.address, deadline, signature), thief),
    /mindnet\.InvalidConsentSignature/,
  );
  assert.ok((await api.query.mindnet.owner(hotkey.address)).isNone);
  await send(api, api.tx.mindnet.register(0, hotkey.address, deadline, signature), victim);
  assert.equal((await api.query.mindnet.owner(hotkey.address)).unwrap().toString(), victim.address);
});

test('register, stake, set weights, and an epoch mints stake', async () => {
  const colds = ['//Alice', '//Bob', '//Charlie'].map((s) => keyring.addFromUri(s));
  const hots = ['//Alice//hot', '//Bob//hot', '//Charlie//hot'].map((s) => keyring.addFromUri(s));
  const stakes = [100n * TOKEN, 200n * TOKEN, 700n * TOKEN];

  // Each coldkey funds its hotkey (which pays its own set_weights fees), registers it and stakes.
  await Promise.all(colds.map(async (cold, k) => {
    await send(api, api.tx.balances.transferKeepAlive(hots[k].address, 10n * TOKEN), cold);
    await send(api, await registerTx(0, hots[k], cold), cold);
    await send(api, api.tx.mindnet.addStake(0, hots[k].address, stakes[k]), cold);
  }));
  const uids = [];
  for (const hot of hots) uids.push((await api.query.mindnet.uids(0, hot.address)).unwrap().toNumber());
  const hotkeyStake = async (k) => (await api.call.mindnetApi.hotkeyStake(0, hots[k].address)).toBigInt();
  for (let k = 0; k < 3; k++) {
    assert.equal(await hotkeyStake(k), stakes[k]);
    assert.equal((await api.call.mindnetApi.stakeOf(0, hots[k].address, colds[k].address)).toBigInt(), stakes[k]);
  }

  // A bad row is refused with its own error and changes nothing.
  await assert.rejects(
    send(api, api.tx.mindnet.setWeights(0, [uids[1], uids[1]], [1, 2], 0), hots[0]),
    /mindnet\.DuplicateUids/,
  );
  assert.equal((await api.query.mindnet.weights(0, uids[0])).length, 0);

  // Everyone ranks the other two and itself.
  await Promise.all(hots.map((hot, k) => send(
    api,
    api.tx.mindnet.setWeights(0, uids, uids.map((u) => (u === uids[k] ? 1000 : 65535)), 0),
    hot,
  )));
  const before = [];
  for (let k = 0; k < 3; k++) before.push(await hotkeyStake(k));

  // Wait for the next epoch that mints (tempo 10 on the dev chain; stake added during an
  // epoch counts from the next one: at most ~2 minutes).
  const epoch = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no epoch within 240 s')), 240_000);
    let unsub;
    api.query.system.events((events) => {
      for (const { event } of events) {
        if (api.events.mindnet.EpochCompleted.is(event) && event.data.netuid.toNumber() === 0 && event.data.emission.toBigInt() > 0n) {
          clearTimeout(timer);
          if (unsub) unsub();
          resolve(event.data);
        }
      }
    }).then((u) => { unsub = u; });
  });
  const E = 10n * TOKEN; // 1 MIND per block × tempo 10
  assert.equal(epoch.emission.toBigInt(), E);

  let minted = 0n;
  for (let k = 0; k < 3; k++) {
    const neuron = (await api.call.mindnetApi.neuron(0, uids[k])).unwrap();
    const emission = neuron.emission.toBigInt();
    const after = await hotkeyStake(k);
    assert.equal(after, before[k] + emission, `hotkey ${k}: stake grows by exactly its emission`);
    assert.ok(emission > 0n, `hotkey ${k} earned emission`);
    minted += emission;
  }
  assert.equal(minted, E, 'the emissions sum to exactly E');
  // The metagraph lists every neuron (other tests may have registered more on this node).
  const all = await api.call.mindnetApi.neurons(0);
  const neurons = uids.map((u) => all.find((n) => n.uid.toNumber() === u));
  assert.ok(neurons.every((n) => n !== undefined), 'the metagraph lists every neuron');
  const trust = neurons[0].trust.toNumber();
  assert.ok(trust >= 999_999_990, `every neuron is trusted by all stake (trust ${trust} ppb)`);
  assert.ok(neurons.every((n) => n.active.isTrue), 'every neuron voted recently');
  const status = await api.call.mindnetApi.epochStatus(0);
  assert.equal(status.tempo.toNumber(), 10);
  assert.ok(status.epochs.toNumber() >= 1, 'epochs completed are counted');
});
