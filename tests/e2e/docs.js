// What the documentation's snippet tests share: a fresh dev node past block 1 for each test
// file, a snippet taken from its docs/*.md section, and a saved snippet run with node. Each
// docs-*.test.js file runs its doc's snippets as pasted against its own node, so the files
// run at once.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevNode } from './node.js';

/** The tests/ folder, where @polkadot/api is installed: snippets are saved there to run. */
export const testsDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts a dev node before the file's tests and stops it after them; the returned object's
 * `node` is set once it runs. At the genesis state the runtime does not know the genesis
 * hash yet (frame_system keeps a placeholder until block 1), so a consent signed there does
 * not verify: a chain a person uses has long passed block 1.
 */
export function devNodePastBlockOne() {
  const held = { node: null };
  before(async () => {
    held.node = await startDevNode();
    while ((await held.node.api.query.system.number()).toNumber() < 1) {
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  after(async () => { if (held.node) await held.node.stop(); });
  return held;
}

/** The first ```LANG block of section `heading` in `doc` (a path from the repository root). */
export function snippet(doc, heading, lang = 'js') {
  const text = readFileSync(join(testsDir, '..', doc), 'utf8');
  const at = text.indexOf(heading);
  assert.ok(at >= 0, `${doc} has a section ${heading}`);
  const match = text.slice(at).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  assert.ok(match, `${doc} has a ${lang} snippet in ${heading}`);
  return match[1];
}

/** Runs the saved snippet `file` with node and `env` added to the environment. */
export function runNode(file, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}
