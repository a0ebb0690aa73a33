// docs/polkadot-js.md's snippet runs as pasted: saved in tests/ (where @polkadot/api is
// installed) and run with node against a fresh dev node, twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { devNodePastBlockOne, snippet, runNode, testsDir } from './docs.js';

const held = devNodePastBlockOne();

test('the Polkadot.js snippet of docs/polkadot-js.md runs as pasted', { timeout: 300_000 }, async () => {
  const file = join(testsDir, `.docs-snippet-${process.pid}.mjs`);
  writeFileSync(file, snippet('docs/polkadot-js.md', '## Submitting weights and querying stake with Polkadot.js'));
  try {
    const first = await runNode(file, { MINDNET_URL: held.node.url });
    assert.equal(first.code, 0, first.stderr);
    const stake = first.stdout.match(/^stake (\d+)$/m);
    assert.ok(stake && BigInt(stake[1]) === 100_000_000_000n, first.stdout);
    assert.match(first.stdout, /^metagraph 2 neurons$/m);
    const [uid0, uid1] = await Promise.all([0, 1].map((u) => held.node.api.query.mindnet.weights(0, u)));
    assert.equal(uid0.length, 1, 'the hotkey set one weight');
    assert.equal(uid1.length, 0);
    // Pasted twice on the same chain, it still runs (registration is skipped, stake grows).
    const second = await runNode(file, { MINDNET_URL: held.node.url });
    assert.equal(second.code, 0, second.stderr);
    const again = second.stdout.match(/^stake (\d+)$/m);
    assert.ok(again && BigInt(again[1]) >= 200_000_000_000n, second.stdout);
  } finally {
    rmSync(file, { force: true });
  }
});
