// A validator of a one-machine chain starts as a user types it: `mindnet-node --chain local
// --alice --validator --tmp` generates its node key instead of stopping with
// NetworkKeyNotFound (only --dev did), and serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort, nodeBinary } from './node.js';

test('mindnet-node --chain local --alice --validator --tmp starts and serves', { timeout: 120_000 }, async () => {
  const [rpc, p2p] = [await freePort(), await freePort()];
  const child = spawn(nodeBinary(), ['--chain', 'local', '--alice', '--validator', '--tmp',
    '--rpc-port', String(rpc), '--port', String(p2p), '--no-prometheus', '--no-telemetry', '--no-mdns'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d.toString()).slice(-50_000); });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    // Its node key made, its RPC up, and still running a few seconds on. (Alone it does not
    // author: a validator without peers waits for them unless --force-authoring.)
    const deadline = Date.now() + 90_000;
    while (!(/Local node identity is/.test(log) && /Running JSON-RPC server/.test(log))) {
      assert.equal(child.exitCode, null, `the node stopped:\n${log}`);
      assert.ok(Date.now() < deadline, `the node did not start within 90 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(child.exitCode, null, `the node stopped:\n${log}`);
    assert.doesNotMatch(log, /NetworkKeyNotFound/);
  } finally {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
});
