// Keys move between the `mindnet` CLI and Polkadot.js both ways: Polkadot.js opens wallet
// files the CLI wrote and signs with them on chain; the CLI imports keystores Polkadot.js
// exported and gets the same accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { startDevNode, send, cliBinary } from './node.js';

const MIND = 1_000_000_000n;
const PASSWORD = 'tr0ub4dor&3';
let node;
let keyring;
let dir;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  node = await startDevNode();
  dir = mkdtempSync(join(tmpdir(), 'mindnet-wallets-'));
  while ((await node.api.query.system.number()).toNumber() < 1) {
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  if (node) await node.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with --json against the test node; resolves with the parsed output. */
function mindnet(args, password = PASSWORD) {
  return new Promise((resolve, reject) => {
    execFile(cliBinary(), [...args, '--json', '--url', node.url], {
      env: { ...process.env, MINDNET_WALLET_DIR: dir, MINDNET_PASSWORD: password },
      timeout: 180_000,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mindnet ${args.join(' ')} failed (${error.code}): ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

test('Polkadot.js opens wallet files the CLI made and signs with them', { timeout: 300_000 }, async () => {
  const made = await mindnet(['wallet', 'new', '--name', 'cli', '--hotkey', 'h']);
  const coldFile = JSON.parse(readFileSync(join(dir, 'cli', 'coldkey.json'), 'utf8'));
  const hotFile = JSON.parse(readFileSync(join(dir, 'cli', 'hotkeys', 'h.json'), 'utf8'));
  assert.deepEqual(coldFile.encoding.type, ['scrypt', 'xsalsa20-poly1305']);

  const coldkey = keyring.addFromJson(coldFile);
  assert.equal(coldkey.address, made.coldkey.address);
  assert.ok(coldkey.isLocked);
  assert.throws(() => coldkey.decodePkcs8('not the password'));
  coldkey.decodePkcs8(PASSWORD);
  const hotkey = keyring.addFromJson(hotFile);
  hotkey.decodePkcs8(PASSWORD);
  assert.equal(hotkey.address, made.hotkey.address);

  // Alice funds the coldkey; the coldkey, opened in Polkadot.js, funds its hotkey.
  const alice = keyring.addFromUri('//Alice');
  const { api } = node;
  await send(api, api.tx.balances.transferKeepAlive(coldkey.address, 100n * MIND), alice);
  await send(api, api.tx.balances.transferKeepAlive(hotkey.address, 1n * MIND), coldkey);
  // The CLI registers the hotkey and a peer for it to weight.
  await mindnet(['register', '--netuid', '0', '--wallet', 'cli', '--hotkey', 'h', '--yes', '--wait', 'inclusion']);
  const peer = await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//peer', '--yes', '--wait', 'inclusion']);
  // The hotkey file, opened in Polkadot.js, submits mindnet.setWeights.
  const { events } = await send(api, api.tx.mindnet.setWeights(0, [peer.uid], [65535], 0), hotkey);
  const set = events.find(({ event }) => api.events.mindnet.WeightsSet.is(event));
  assert.ok(set, 'a WeightsSet event');
  assert.equal(set.event.data.count.toNumber(), 1);
  const stored = await api.query.mindnet.weights(0, (await api.query.mindnet.uids(0, hotkey.address)).unwrap());
  assert.deepEqual(stored.map(([u, v]) => [u.toNumber(), v.toNumber()]), [[peer.uid, 65535]]);
  // The coldkey file signs on chain too: registered as a hotkey of Alice's (it signs its
  // own consent), it submits mindnet.setWeights.
  const deadline = (await api.query.system.number()).toNumber() + 100;
  const payload = await api.call.mindnetApi.registrationPayload(0, alice.address, deadline);
  const consent = { Sr25519: coldkey.sign(payload.toU8a()) };
  await send(api, api.tx.mindnet.register(0, coldkey.address, deadline, consent), alice);
  const byCold = await send(api, api.tx.mindnet.setWeights(0, [peer.uid], [65535], 0), coldkey);
  assert.ok(byCold.events.find(({ event }) => api.events.mindnet.WeightsSet.is(event)), 'WeightsSet from the coldkey file');
});

test('the CLI imports keys Polkadot.js exported, with the same address', async () => {
  const mnemonic = mnemonicGenerate(12);
  const pair = keyring.addFromMnemonic(mnemonic, { name: 'from-js' });
  const sealed = join(dir, 'sealed.json');
  writeFileSync(sealed, JSON.stringify(pair.toJson('js-password')));
  const imported = await mindnet(['wallet', 'import', '--name', 'fromjs', '--keystore', sealed], 'js-password');
  assert.equal(imported.key.address, pair.address);
  // Unencrypted export, as a hotkey kept unencrypted.
  const hot = keyring.addFromUri(`${mnemonic}//hot`);
  const clear = join(dir, 'clear.json');
  writeFileSync(clear, JSON.stringify(hot.toJson()));
  const importedHot = await mindnet(['wallet', 'import', '--name', 'fromjs', '--keystore', clear, '--hotkey', 'hot', '--no-password']);
  assert.equal(importedHot.key.address, hot.address);
  assert.equal(importedHot.key.encrypted, false);
  // The same mnemonic typed into the CLI gives the same account as in Polkadot.js.
  const words = join(dir, 'words.txt');
  writeFileSync(words, `${mnemonic}//hot\n`);
  const restored = await mindnet(['wallet', 'import', '--name', 'words', '--mnemonic-file', words]);
  assert.equal(restored.key.address, hot.address);
  // And Polkadot.js reads the CLI's copy back.
  const copy = JSON.parse(readFileSync(join(dir, 'fromjs', 'coldkey.json'), 'utf8'));
  const reread = keyring.addFromJson(copy);
  reread.decodePkcs8('js-password');
  assert.equal(reread.address, pair.address);
});
