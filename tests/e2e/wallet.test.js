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
import { u8aWrapBytes } from '@polkadot/util';

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
  const consent = { Sr25519: coldkey.sign(u8aWrapBytes(payload.toU8a())) };
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

test('the metagraph pages: offset, limit and filters read what the whole shows', { timeout: 300_000 }, async () => {
  // Three more neurons, so that pages have something to cut.
  for (const name of ['page1', 'page2', 'page3']) {
    await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', `//Alice//${name}`, '--yes', '--wait', 'inclusion']);
  }
  const all = await mindnet(['neurons', '--netuid', '0']);
  assert.ok(all.length >= 3, JSON.stringify(all));
  const uids = all.map((n) => n.uid);
  // By uid with --limit, only the pages shown are read; the same neurons as the whole.
  const window = await mindnet(['neurons', '--netuid', '0', '--offset', '1', '--limit', '2']);
  assert.deepEqual(window, all.slice(1, 3));
  // The runtime's page and the whole agree, as Polkadot.js reads them.
  const page = (await node.api.call.mindnetApi.neuronsPage(0, 1, 2)).toJSON();
  assert.deepEqual(page.map((n) => n.uid), uids.slice(1, 3));
  const summaries = (await node.api.call.mindnetApi.neuronSummaries(0, 0, 1024)).toJSON();
  assert.deepEqual(summaries.map((n) => n.uid), uids);
  // Filters: a hotkey (any SS58 prefix), a coldkey, activity.
  const target = all[2];
  const generic = new Keyring({ type: 'sr25519', ss58Format: 42 }).encodeAddress(keyring.decodeAddress(target.hotkey));
  assert.deepEqual(await mindnet(['neurons', '--netuid', '0', '--filter', `hotkey=${generic}`]), [target]);
  const byCold = await mindnet(['neurons', '--netuid', '0', '--filter', `coldkey=${target.coldkey}`]);
  assert.ok(byCold.length >= 1 && byCold.every((n) => n.coldkey === target.coldkey));
  const active = await mindnet(['neurons', '--netuid', '0', '--filter', 'active']);
  assert.ok(active.every((n) => n.active));
  // Sorted by stake, then paged.
  const byStake = await mindnet(['neurons', '--netuid', '0', '--sort', 'stake', '--limit', '1']);
  assert.equal(byStake.length, 1);
  assert.equal(BigInt(byStake[0].stake), all.map((n) => BigInt(n.stake)).reduce((a, b) => (a > b ? a : b)));
  // A bad filter: one sentence, exit 2.
  await assert.rejects(mindnet(['neurons', '--netuid', '0', '--filter', 'stake>5']), /failed \(2\): .*write active, inactive, hotkey=ADDRESS or coldkey=ADDRESS/);
});

test('stake: min_stake checked before signing (no fee), and remove --all leaves nothing', { timeout: 300_000 }, async () => {
  const hot = keyring.addFromUri('//Alice//all').address;
  await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//all', '--yes', '--wait', 'inclusion']);
  const alice = keyring.addFromUri('//Alice').address;
  const free = async () => (await node.api.query.system.account(alice)).data.free.toBigInt();
  const refused = async (args, pattern) => {
    const before = await free();
    await assert.rejects(mindnet(args), (e) => { assert.match(e.message, /failed \(4\)/); assert.match(e.message, pattern); return true; });
    assert.equal(await free(), before, 'no fee paid');
  };
  // Below min_stake (1 MIND): refused before signing.
  await refused(['stake', 'add', '--suri', '//Alice', '--hotkey', hot, '--amount', '0.5', '--yes', '--wait', 'inclusion'], /would hold 0\.5 MIND .*below its min_stake of 1 MIND/);
  await mindnet(['stake', 'add', '--suri', '//Alice', '--hotkey', hot, '--amount', '2', '--yes', '--wait', 'inclusion']);
  await refused(['stake', 'remove', '--suri', '//Alice', '--hotkey', hot, '--amount', '1.5', '--yes', '--wait', 'inclusion'], /would leave 0\.5 MIND .*withdraw everything with --all, or at most 0\.99999999\d MIND/);
  // --all takes the whole position, whatever it is by then.
  const out = await mindnet(['stake', 'remove', '--suri', '//Alice', '--hotkey', hot, '--all', '--yes', '--wait', 'inclusion']);
  assert.equal(BigInt(out.stake), 0n);
  assert.ok(BigInt(out.amount) >= 2n * MIND, JSON.stringify(out));
  assert.equal((await node.api.call.mindnetApi.stakeOf(0, hot, alice)).toBigInt(), 0n);
  // Nothing left to remove: refused before signing.
  await refused(['stake', 'remove', '--suri', '//Alice', '--hotkey', hot, '--all', '--yes'], /has nothing staked behind/);
  // --all with add is a usage error.
  await assert.rejects(mindnet(['stake', 'add', '--suri', '//Alice', '--hotkey', hot, '--all', '--yes']), /failed \(2\): .*--all is for `stake remove`/);
});

test('weights show: a neuron\'s weights as the chain stores them', { timeout: 300_000 }, async () => {
  for (const name of ['w1', 'w2']) {
    await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', `//Alice//${name}`, '--yes', '--wait', 'inclusion']);
  }
  const w1 = keyring.addFromUri('//Alice//w1').address;
  const w2 = keyring.addFromUri('//Alice//w2').address;
  await mindnet(['transfer', '--suri', '//Alice', '--to', w1, '--amount', '1', '--yes', '--wait', 'inclusion']);
  const uid2 = (await node.api.query.mindnet.uids(0, w2)).unwrap().toNumber();
  const others = (await mindnet(['neurons', '--netuid', '0'])).map((n) => n.uid).filter((u) => u !== uid2).slice(0, 1);
  const row = [`${uid2}=0.75`, ...others.map((u) => `${u}=0.25`)];
  await mindnet(['weights', 'set', '--netuid', '0', '--suri', '//Alice//w1', ...row, '--yes', '--wait', 'inclusion']);
  const shown = await mindnet(['weights', 'show', '--netuid', '0', '--hotkey', w1]);
  const stored = (await node.api.query.mindnet.weights(0, shown.uid)).toJSON();
  assert.deepEqual(shown.weights.map((w) => [w.uid, w.value]), stored);
  const share = Object.fromEntries(shown.weights.map((w) => [w.uid, w.share]));
  assert.ok(Math.abs(share[uid2] - 0.75) < 1e-3, JSON.stringify(shown));
  assert.ok(Math.abs(shown.weights.reduce((s, w) => s + w.share, 0) - 1) < 1e-9);
  assert.deepEqual((await mindnet(['weights', 'show', '--netuid', '0', '--uid', String(shown.uid)])).weights, shown.weights);
  // A uid the network does not have: one sentence, exit 2.
  await assert.rejects(mindnet(['weights', 'show', '--netuid', '0', '--uid', '60000']), /failed \(2\): .*network 0 has no uid 60000/);
});

test('take: the owner sets it, anyone reads it with each network\'s cap', { timeout: 300_000 }, async () => {
  await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//taker', '--yes', '--wait', 'inclusion']);
  const hot = keyring.addFromUri('//Alice//taker').address;
  await mindnet(['stake', 'add', '--suri', '//Alice', '--hotkey', hot, '--amount', '2', '--yes', '--wait', 'inclusion']);
  const set = await mindnet(['take', 'set', '--suri', '//Alice', '--hotkey', hot, '--take', '9%', '--yes', '--wait', 'inclusion']);
  assert.equal(set.take, 0.09);
  assert.equal((await node.api.query.mindnet.take(hot)).toNumber(), 90_000_000);
  const shown = await mindnet(['take', 'show', '--hotkey', hot]);
  assert.equal(shown.take, 0.09);
  const net0 = shown.networks.find((n) => n.netuid === 0);
  assert.equal(net0.applies, Math.min(0.09, net0.max_take));
  // Not the owner: refused before signing (exit 4); a bad take: exit 2.
  await assert.rejects(mindnet(['take', 'set', '--suri', '//Bob', '--hotkey', hot, '--take', '1%', '--yes']), /failed \(4\): .*does not own hotkey/);
  await assert.rejects(mindnet(['take', 'set', '--suri', '//Alice', '--hotkey', hot, '--take', '150%', '--yes']), /failed \(2\): .*is not a take/);
});

test('network create: the sudo key makes a network, checked before signing', { timeout: 300_000 }, async () => {
  const made = await mindnet(['network', 'create', '--netuid', '7', '--suri', '//Alice', '--yes', '--wait', 'inclusion']);
  assert.equal(made.netuid, 7);
  const list = await mindnet(['network', 'list']);
  assert.ok(list.some((n) => n.netuid === 7), JSON.stringify(list));
  assert.equal((await node.api.query.mindnet.tempo(7)).toNumber() > 0, true);
  // Again: it exists (exit 4); by another key: not the sudo key (exit 2). No fee either way.
  await assert.rejects(mindnet(['network', 'create', '--netuid', '7', '--suri', '//Alice', '--yes']), /failed \(4\): .*network 7 exists already/);
  await assert.rejects(mindnet(['network', 'create', '--netuid', '8', '--suri', '//Bob', '--yes']), /failed \(2\): .*only the sudo key .* can create networks/);
});

test('wallet sign and verify agree with Polkadot.js both ways', { timeout: 120_000 }, async () => {
  const { signatureVerify } = await import('@polkadot/util-crypto');
  const { u8aToHex, stringToU8a } = await import('@polkadot/util');
  const alice = keyring.addFromUri('//Alice');
  const text = 'I own this key';
  // The CLI signs; Polkadot.js verifies (signatureVerify accepts the <Bytes> wrapping).
  const signed = await mindnet(['wallet', 'sign', '--suri', '//Alice', text]);
  assert.equal(signed.address, alice.address);
  assert.ok(signatureVerify(stringToU8a(text), signed.signature, alice.address).isValid);
  // Polkadot.js signs as signRaw does; the CLI verifies, and says it was wrapped.
  const sig = u8aToHex(alice.sign(u8aWrapBytes(stringToU8a(text))));
  const ok = await mindnet(['wallet', 'verify', '--address', alice.address, '--signature', sig, text]);
  assert.deepEqual([ok.valid, ok.wrapped], [true, true]);
  // Another message, or another signer: exit 4; a malformed signature: exit 2.
  await assert.rejects(mindnet(['wallet', 'verify', '--address', alice.address, '--signature', sig, 'something else']), /failed \(4\): .*is not .* over "something else"/);
  const bob = keyring.addFromUri('//Bob').address;
  await assert.rejects(mindnet(['wallet', 'verify', '--address', bob, '--signature', sig, text]), /failed \(4\)/);
  await assert.rejects(mindnet(['wallet', 'verify', '--address', bob, '--signature', '0x1234', text]), /failed \(2\): .*is not a signature/);
});

/** Runs the CLI with --json, extra environment and `input` on stdin; resolves with the parsed output. */
function mindnetWith(args, { env = {}, input = '' } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cliBinary(), [...args, '--json', '--url', node.url], {
      env: { ...process.env, MINDNET_WALLET_DIR: dir, MINDNET_PASSWORD: PASSWORD, ...env },
      timeout: 180_000,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mindnet ${args.join(' ')} failed (${error.code}): ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin.end(input);
  });
}

test('a config file shortens commands; overview lists what neurons shows for the wallet', { timeout: 300_000 }, async () => {
  await mindnet(['wallet', 'new', '--name', 'ov', '--hotkey', 'a', '--no-password']);
  await mindnet(['wallet', 'new', '--name', 'ov', '--hotkey', 'b', '--no-password']);
  const cold = (await mindnet(['wallet', 'address', '--name', 'ov'])).address;
  await mindnet(['transfer', '--suri', '//Alice', '--to', cold, '--amount', '50', '--yes', '--wait', 'inclusion']);
  const config = join(dir, 'ov.toml');
  writeFileSync(config, 'wallet = "ov"\nhotkey = "a"\nnetuid = 0\n');
  const env = { MINDNET_CONFIG: config };
  // No --wallet, --hotkey or --netuid: the file's.
  const a = await mindnetWith(['register', '--yes', '--wait', 'inclusion'], { env });
  const b = await mindnetWith(['register', '--hotkey', 'b', '--yes', '--wait', 'inclusion'], { env });
  assert.equal(a.coldkey, cold);
  assert.notEqual(a.uid, b.uid);
  await mindnetWith(['stake', 'add', '--amount', '3', '--yes', '--wait', 'inclusion'], { env });
  // overview: the rows `neurons` shows for the wallet's coldkey.
  const overview = await mindnetWith(['overview'], { env });
  const shown = await mindnet(['neurons', '--netuid', '0', '--filter', `coldkey=${cold}`]);
  assert.equal(overview.coldkey, cold);
  assert.deepEqual(overview.neurons.map((n) => [n.uid, n.hotkey, n.stake, n.incentive, n.emission, n.axon]).sort(),
    shown.map((n) => [n.uid, n.hotkey, n.stake, n.incentive, n.emission, n.axon]).sort());
  assert.deepEqual(overview.neurons.map((n) => n.hotkey_name).sort(), ['a', 'b']);
  assert.equal(BigInt(overview.neurons.find((n) => n.hotkey_name === 'a').stake), 3n * MIND);
  // stake show for any coldkey address, no wallet needed.
  const positions = await mindnet(['stake', 'show', '--coldkey', cold]);
  assert.deepEqual(positions.map((p) => [p.hotkey, BigInt(p.stake)]), [[a.hotkey, 3n * MIND]]);
  // Flags win over the file; a malformed file is exit 2, naming it.
  await assert.rejects(mindnetWith(['overview', '--wallet', 'nosuch'], { env }), /failed \(2\): .*nosuch/);
  writeFileSync(config, 'walet = "ov"\n');
  await assert.rejects(mindnetWith(['overview'], { env }), /failed \(2\): .*config file .*ov\.toml is malformed.*walet/);
  await assert.rejects(mindnetWith(['overview'], { env: { MINDNET_CONFIG: join(dir, 'none.toml') } }), /failed \(2\): .*cannot read the config file/);
});

test('wallet inspect shows a key\'s public facts; a mnemonic is read from stdin', { timeout: 120_000 }, async () => {
  const mnemonic = mnemonicGenerate(12);
  const pair = keyring.addFromMnemonic(mnemonic);
  // Piped in (no file, no terminal), and as --mnemonic-file -.
  const piped = await mindnetWith(['wallet', 'import', '--name', 'piped'], { input: `${mnemonic}\n` });
  assert.equal(piped.key.address, pair.address);
  const dashed = await mindnetWith(['wallet', 'import', '--name', 'piped', '--hotkey', 'h', '--no-password', '--mnemonic-file', '-'], { input: `${mnemonic}//h` });
  assert.equal(dashed.key.address, keyring.addFromUri(`${mnemonic}//h`).address);
  await assert.rejects(mindnetWith(['wallet', 'import', '--name', 'empty'], { input: '\n' }), /failed \(2\): .*no mnemonic was given/);
  // inspect: the same facts as Polkadot.js, from the file (no password), an address or a URI.
  const generic = new Keyring({ type: 'sr25519', ss58Format: 42 }).encodeAddress(pair.publicKey);
  const hex = `0x${Buffer.from(pair.publicKey).toString('hex')}`;
  const fromFile = await mindnetWith(['wallet', 'inspect', '--name', 'piped'], { env: { MINDNET_PASSWORD: '' } });
  assert.deepEqual([fromFile.address, fromFile.generic_address, fromFile.public_key, fromFile.encrypted], [pair.address, generic, hex, true]);
  const fromAddress = await mindnet(['wallet', 'inspect', generic]);
  assert.equal(fromAddress.address, pair.address);
  const alice = await mindnet(['wallet', 'inspect', '--suri', '//Alice']);
  assert.equal(alice.address, keyring.addFromUri('//Alice').address);
  // Every command's help ends with examples.
  const help = await new Promise((resolve) => execFile(cliBinary(), ['overview', '--help'], (e, out) => resolve(out)));
  assert.match(help, /Examples:\n {2}mindnet overview --wallet me/);
});
