// docs/validator.md's join script runs as pasted: saved in tests/ and run with node against
// a fresh dev node, Eve joins the validator set; pasted again, root refuses her twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { devNodePastBlockOne, snippet, runNode, testsDir } from './docs.js';

const held = devNodePastBlockOne();

test('the validator join snippet of docs/validator.md runs as pasted', { timeout: 400_000 }, async () => {
  const file = join(testsDir, `.docs-join-${process.pid}.mjs`);
  writeFileSync(file, snippet('docs/validator.md', '## Joining a network as a validator'));
  const { api } = held.node;
  try {
    // The dev node makes Eve's keys in its own keystore, so it authors her slots too.
    const run = await runNode(file, { NODE_URL: held.node.url, VALIDATOR: '//Eve', SUDO: '//Alice' });
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
    const again = await runNode(file, { NODE_URL: held.node.url, VALIDATOR: '//Eve', SUDO: '//Alice' });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyValidator/);
  } finally {
    rmSync(file, { force: true });
  }
});
