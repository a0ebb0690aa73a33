// Commit-reveal on a dev chain through the `mindnet` CLI: root switches network 0 to
// commit-reveal; `set_weights` is refused; `weights set` commits, waits for the reveal
// window and reveals (the chain recomputes the CLI's hash); `weights set --no-wait` leaves
// the commit on disk, and `weights reveal` (a later run) reveals it in its window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, send, cliBinary } from './node.js';

const MIND = 1_000_000_000n;
let node;
let dir;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 7734 });
  node = await startDevNode();
  dir = mkdtempSync(join(tmpdir(), 'mindnet-commit-reveal-'));
  while ((await node.api.query.system.number()).toNumber() < 1) {
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  if (node) await node.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function mindnet(args) {
  return new Promise((resolve, reject) => {
    execFile(cliBinary(), [...args, '--json', '--url', node.url], {
      env: { ...process.env, MINDNET_WALLET_DIR: dir },
      timeout: 300_000,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mindnet ${args.join(' ')} failed (${error.code}): ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const stored = async (uid) => (await node.api.query.mindnet.weights(0, uid))
  .map(([u, v]) => [u.toNumber(), v.toNumber()]);

test('the CLI commits, reveals in the window, and a later run reveals what was left', { timeout: 900_000 }, async () => {
  const { api } = node;
  const alice = keyring.addFromUri('//Alice');
  const validator = keyring.addFromUri('//Alice//cr-validator');
  await send(api, api.tx.balances.transferKeepAlive(validator.address, 10n * MIND), alice);
  const v = await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//cr-validator', '--yes', '--wait', 'inclusion']);
  const m = await mindnet(['register', '--netuid', '0', '--suri', '//Alice', '--hotkey-suri', '//Alice//cr-miner', '--yes', '--wait', 'inclusion']);
  await mindnet(['network', 'set', '--netuid', '0', 'commit_reveal', 'true', '--suri', '//Alice', '--yes']);
  const params = await mindnet(['network', 'params', '--netuid', '0']);
  assert.equal(JSON.stringify(params).includes('"commit_reveal":true'), true, JSON.stringify(params));

  // Weights in the open are refused now.
  await assert.rejects(
    send(api, api.tx.mindnet.setWeights(0, [m.uid], [65535], 0), validator),
    /mindnet\.CommitRevealEnabled/,
  );

  // Commit, wait for the window, reveal: the row is stored as cast in the commit's block.
  const first = await mindnet(['weights', 'set', '--netuid', '0', '--suri', '//Alice//cr-validator', '--yes', `${m.uid}=1`]);
  assert.ok(first.revealed_in, JSON.stringify(first));
  assert.deepEqual(await stored(v.uid), [[m.uid, 65535]]);
  const commits = join(dir, '.commits');
  assert.deepEqual(existsSync(commits) ? readdirSync(commits) : [], [], 'nothing left to reveal');

  // Commit only; the chain holds the commit and the wallet its salt.
  const second = await mindnet(['weights', 'set', '--netuid', '0', '--suri', '//Alice//cr-validator', '--yes', '--no-wait', `${m.uid}=1`, `${v.uid}=1`]);
  assert.ok(second.commit);
  assert.equal((await api.query.mindnet.weightCommits(0, validator.address)).length, 1);
  assert.equal(readdirSync(commits).length, 1);
  // Too early: it waits (and the row is unchanged).
  const early = await mindnet(['weights', 'reveal', '--netuid', '0', '--suri', '//Alice//cr-validator']);
  assert.equal(early.commits[0].outcome, 'waiting', JSON.stringify(early));
  assert.deepEqual(await stored(v.uid), [[m.uid, 65535]]);
  // Once an epoch completes, a new run reveals it.
  const due = early.commits[0].epoch;
  while ((await api.query.mindnet.epochIndex(0)).toNumber() < due) {
    await new Promise((r) => setTimeout(r, 2000));
  }
  const later = await mindnet(['weights', 'reveal', '--netuid', '0', '--suri', '//Alice//cr-validator']);
  assert.equal(later.commits[0].outcome, 'revealed', JSON.stringify(later));
  assert.deepEqual(await stored(v.uid), [[v.uid, 65535], [m.uid, 65535]].sort((a, b) => a[0] - b[0]));
  assert.deepEqual(readdirSync(commits), []);
  assert.equal((await api.query.mindnet.weightCommits(0, validator.address)).length, 0);
});
