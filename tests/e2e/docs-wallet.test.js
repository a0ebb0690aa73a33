// docs/wallet.md's session runs as pasted: the `mindnet` commands in bash against a fresh
// dev node, until the miner it registered earns incentive and the validator dividends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { cliBinary } from './node.js';
import { devNodePastBlockOne, snippet } from './docs.js';

const held = devNodePastBlockOne();

test('the wallet session of docs/wallet.md runs as pasted', { timeout: 600_000 }, async () => {
  const script = snippet('docs/wallet.md', '## A session on the dev chain', 'sh');
  const wallets = mkdtempSync(join(tmpdir(), 'mindnet-docs-'));
  const home = mkdtempSync(join(tmpdir(), 'mindnet-docs-home-'));
  const cliDir = dirname(cliBinary());
  const env = {
    ...process.env,
    PATH: `${cliDir}:${process.env.PATH}`,
    // The session writes ~/.mindnet/config.toml: a home of its own.
    HOME: home,
    MINDNET_URL: held.node.url,
    MINDNET_WALLET_DIR: wallets,
    MINDNET_PASSWORD: 'a password for the docs',
  };
  try {
    const run = await new Promise((resolve) => {
      execFile('bash', ['-e', '-o', 'pipefail', '-c', script], { env, timeout: 500_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /uid\s+hotkey\s+stake\s+rank/);
    // The config file's wallet made `overview` list both registered hotkeys.
    assert.match(run.stdout, /wallet me: coldkey/);
    assert.match(run.stdout, /2 registrations/);
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
    rmSync(home, { recursive: true, force: true });
  }
});
