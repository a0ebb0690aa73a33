// A learner on a commit-reveal network: it commits its weights, keeps each commit's salt in
// the wallet folder's .commits, reveals in the window (its weights reach the chain), and a
// learner started with a commit pending in that folder (from an earlier run) reveals it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, send, learnerBinary, cliBinary, freePort } from './node.js';
import { runMarket, cleanUp, sleep, run } from './market.js';

test('a learner commits, reveals, and reveals after a restart', { timeout: 900_000 }, async () => {
  await cryptoWaitReady();
  const node = await startDevNode();
  const wallets = mkdtempSync(join(tmpdir(), 'mindnet-learner-cr-'));
  const commitsDir = join(wallets, '.commits');
  let m;
  try {
    const { api } = node;
    const alice = new Keyring({ type: 'sr25519', ss58Format: 7734 }).addFromUri('//Alice');
    await send(api, api.tx.sudo.sudo(api.tx.mindnet.setParameter(0, { CommitReveal: true })), alice);
    // The market's learner: it sets weights twice, each time a commit revealed.
    m = await runMarket({
      node, peers: 4, learners: 1, trainMs: 2_000, weightsEvery: 5,
      learnerArgs: ['--wallet-dir', wallets], log: console.log,
    });
    const [p] = m.honest;
    const events = [];
    assert.ok((await api.query.mindnet.weights(0, p.uid)).length > 0, 'the learner\'s row is on chain');
    assert.ok(Object.keys(p.result.weights).length > 0, JSON.stringify(p.result));
    // A commit left pending by an earlier run (made here with the CLI, which keeps it in the
    // same folder): the restarted learner finds it and reveals it in its window.
    const entries = Object.entries(p.result.weights).map(([uid, v]) => `${uid}=${v}`);
    await run(cliBinary(), ['weights', 'set', '--netuid', '0', '--suri', p.suri, '--no-wait', '--yes',
      '--json', '--url', node.url, ...entries], { env: { MINDNET_WALLET_DIR: wallets } });
    const files = existsSync(commitsDir) ? readdirSync(commitsDir) : [];
    const pending = files.flatMap((f) => JSON.parse(readFileSync(join(commitsDir, f), 'utf8')));
    assert.ok(pending.length >= 1, 'a commit pending');
    // Started again (training alone, no peers needed), it reveals them in their windows.
    const port = await freePort();
    const child = spawn(learnerBinary(), [
      'run', '--url', node.url, '--suri', p.suri, '--netuid', '0', '--port', String(port),
      '--bind', '127.0.0.1', '--wallet-dir', wallets, '--weights-every', '1000',
    ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MINDNET_LOG: 'info' } });
    let log = '';
    child.stderr.on('data', (d) => { log = (log + d.toString()).slice(-20_000); });
    const unsub = await api.query.system.events((records) => {
      for (const { event } of records) {
        if (api.events.mindnet.WeightsRevealed.is(event) && event.data.uid.toNumber() === p.uid) events.push(event);
      }
    });
    const started = Date.now();
    while ((existsSync(commitsDir) ? readdirSync(commitsDir) : []).length > 0) {
      if (Date.now() - started > 240_000) throw new Error(`the restarted learner did not clear its commits:\n${log}`);
      await sleep(2000);
    }
    unsub();
    child.kill('SIGINT');
    assert.ok(events.length > 0, `a reveal after the restart:\n${log.slice(-3000)}`);
    console.log(`the restarted learner revealed ${events.length} commit(s) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    cleanUp(m);
    await node.stop();
    rmSync(wallets, { recursive: true, force: true });
  }
});
