// The README's Polkadot.js snippet runs as pasted: it is taken from README.md, saved in
// tests/ (where @polkadot/api is installed) and run with node against a fresh dev node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevNode } from './node.js';

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

/** The first ```js block of README.md's Polkadot.js section. */
function snippet() {
  const readme = readFileSync(join(here, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Submitting weights and querying stake with Polkadot.js'));
  const match = section.match(/```js\n([\s\S]*?)```/);
  assert.ok(match, 'README.md has a js snippet in its Polkadot.js section');
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
  writeFileSync(file, snippet());
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
