// The documentation's snippets run as pasted: each is taken from its docs/*.md section,
// saved in tests/ (where @polkadot/api is installed) and run with node or bash against a
// fresh dev node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startDevNode, cliBinary } from './node.js';

const here = dirname(fileURLToPath(import.meta.url));
let node;

before(async () => {
  node = await startDevNode();
  // At the genesis state the runtime does not know the genesis hash yet (frame_system keeps
  // a placeholder until block 1), so a consent signed there does not verify: a chain a
  // person uses has long passed block 1.
  while ((await node.api.query.system.number()).toNumber() < 1) {
    await new Promise((r) => setTimeout(r, 500));
  }
});
after(async () => { if (node) await node.stop(); });

/** The first ```LANG block of section `heading` in `doc` (a path from the repository root). */
function snippet(doc, heading, lang = 'js') {
  const text = readFileSync(join(here, '..', '..', doc), 'utf8');
  const at = text.indexOf(heading);
  assert.ok(at >= 0, `${doc} has a section ${heading}`);
  const match = text.slice(at).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  assert.ok(match, `${doc} has a ${lang} snippet in ${heading}`);
  return match[1];
}

function runNode(file, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

test('the README Polkadot.js snippet runs as pasted', { timeout: 300_000 }, async () => {
  const file = join(here, '..', `.readme-snippet-${process.pid}.mjs`);
  writeFileSync(file, snippet('docs/polkadot-js.md', '## Submitting weights and querying stake with Polkadot.js'));
  try {
    const first = await runNode(file, { MINDNET_URL: node.url });
    assert.equal(first.code, 0, first.stderr);
    const stake = first.stdout.match(/^stake (\d+)$/m);
    assert.ok(stake && BigInt(stake[1]) === 100_000_000_000n, first.stdout);
    assert.match(first.stdout, /^metagraph 2 neurons$/m);
    const [uid0, uid1] = await Promise.all([0, 1].map((u) => node.api.query.mindnet.weights(0, u)));
    assert.equal(uid0.length, 1, 'the hotkey set one weight');
    assert.equal(uid1.length, 0);
    // Pasted twice on the same chain, it still runs (registration is skipped, stake grows).
    const second = await runNode(file, { MINDNET_URL: node.url });
    assert.equal(second.code, 0, second.stderr);
    const again = second.stdout.match(/^stake (\d+)$/m);
    assert.ok(again && BigInt(again[1]) >= 200_000_000_000n, second.stdout);
  } finally {
    rmSync(file, { force: true });
  }
});

test('the README wallet session runs as pasted', { timeout: 600_000 }, async () => {
  const script = snippet('docs/wallet.md', '## A session on the dev chain', 'sh');
  const wallets = mkdtempSync(join(tmpdir(), 'mindnet-readme-'));
  const cliDir = dirname(cliBinary());
  const env = {
    ...process.env,
    PATH: `${cliDir}:${process.env.PATH}`,
    MINDNET_URL: node.url,
    MINDNET_WALLET_DIR: wallets,
    MINDNET_PASSWORD: 'a password for the README',
  };
  try {
    const run = await new Promise((resolve) => {
      execFile('bash', ['-e', '-o', 'pipefail', '-c', script], { env, timeout: 500_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /uid\s+hotkey\s+stake\s+rank/);
    // The miner the session registered earns incentive, the validator dividends.
    const cli = (args) => new Promise((resolve, reject) => execFile(cliBinary(), [...args, '--json'], { env },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)))));
    const wallet = await cli(['wallet', 'show', '--name', 'me']);
    const [validator, miner] = ['validator', 'miner'].map((h) => wallet.hotkeys.find((k) => k.name === h).address);
    let neurons = [];
    for (let i = 0; i < 40; i += 1) {
      neurons = await cli(['neurons', '--netuid', '0']);
      const m = neurons.find((n) => n.hotkey === miner);
      if (m && m.incentive > 0) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    const m = neurons.find((n) => n.hotkey === miner);
    const v = neurons.find((n) => n.hotkey === validator);
    assert.ok(m.incentive > 0 && m.emission > 0, JSON.stringify(neurons));
    assert.ok(v.dividends > 0, JSON.stringify(neurons));
  } finally {
    rmSync(wallets, { recursive: true, force: true });
  }
});

test('the README validator join snippet runs as pasted', { timeout: 400_000 }, async () => {
  const file = join(here, '..', `.readme-join-${process.pid}.mjs`);
  writeFileSync(file, snippet('docs/validator.md', '## Joining a network as a validator'));
  const { api } = node;
  try {
    // The dev node makes Eve's keys in its own keystore, so it authors her slots too.
    const run = await runNode(file, { NODE_URL: node.url, VALIDATOR: '//Eve', SUDO: '//Alice' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /joins at session \d+ at the latest/);
    const eve = '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw';
    const planned = (await api.query.validatorSet.validators()).map((a) => a.toString());
    assert.ok(planned.some((a) => api.createType('AccountId', a).eq(eve)), `validatorSet.validators = ${planned}`);
    assert.ok((await api.query.session.nextKeys(eve)).isSome, 'Eve registered session keys');
    // Within two sessions (20 blocks) she is in the active set, and blocks keep coming.
    const deadline = Date.now() + 240_000;
    for (;;) {
      const active = await api.query.session.validators();
      if (active.some((a) => a.eq(eve))) break;
      assert.ok(Date.now() < deadline, `Eve is not in session.validators: ${active}`);
      await new Promise((r) => setTimeout(r, 3000));
    }
    const from = (await api.rpc.chain.getHeader()).number.toNumber();
    while ((await api.rpc.chain.getHeader()).number.toNumber() < from + 3) {
      assert.ok(Date.now() < deadline + 60_000, 'blocks stopped after Eve joined');
      await new Promise((r) => setTimeout(r, 2000));
    }
    // Pasted again, root refuses to add her twice, and the script says why.
    const again = await runNode(file, { NODE_URL: node.url, VALIDATOR: '//Eve', SUDO: '//Alice' });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyValidator/);
  } finally {
    rmSync(file, { force: true });
  }
});
