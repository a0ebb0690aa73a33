// A session-rotation block carries user transactions: the validator set charges a rotation
// what it costs (pallet-session's own hook would claim the whole block). On a dev chain
// (10-block sessions), transfers are kept in the pool across block 10; the block that
// starts session 1 must include some.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode } from './node.js';

let node;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
});

after(async () => {
  if (node) await node.stop();
});

test('the block that rotates the session includes transfers', { timeout: 300_000 }, async () => {
  const { api } = node;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  const senders = ['//Bob', '//Charlie', '//Dave', '//Eve'].map((s) => keyring.addFromUri(s));
  const to = keyring.addFromUri('//Ferdie').address;
  const length = (await api.query.validatorSet.sessionLength()).toNumber();
  const number = async () => (await api.query.system.number()).toNumber();
  // Until the block after the first rotation is built, keep a transfer from each sender
  // in the pool.
  const nonces = await Promise.all(senders.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  while ((await number()) < length + 1) {
    await Promise.all(senders.map((s, k) => api.tx.balances
      .transferKeepAlive(to, 1_000_000_000n)
      .signAndSend(s, { nonce: nonces[k]++ })
      .catch(() => {})));
    await new Promise((r) => setTimeout(r, 1500));
  }
  const hash = await api.rpc.chain.getBlockHash(length);
  const block = await api.rpc.chain.getBlock(hash);
  const events = await (await api.at(hash)).query.system.events();
  assert.ok(
    events.some(({ event }) => api.events.session.NewSession.is(event)),
    `block ${length} starts a session`,
  );
  const transfers = block.block.extrinsics.filter((x) => x.isSigned && x.method.section === 'balances');
  assert.ok(transfers.length > 0, `block ${length} rotated the session and included ${transfers.length} transfers`);
  // The weight it recorded is far below a whole block.
  const weight = await (await api.at(hash)).query.system.blockWeight();
  const max = api.consts.system.blockWeights.maxBlock.refTime.toBigInt();
  const used = weight.mandatory.refTime.toBigInt();
  assert.ok(used < max / 10n, `the rotation block's mandatory weight ${used} is under a tenth of ${max}`);
});
