// Starts a real `mindnet-node --dev` on free loopback ports, and stops it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

/** A workspace binary: $`env` if set, else the debug build in CARGO_TARGET_DIR. */
function binary(env, name) {
  if (process.env[env]) return process.env[env];
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'mindnet-target');
  return join(target, 'debug', name);
}

/** The node binary: $MINDNET_NODE, or the workspace's debug build. */
export const nodeBinary = () => binary('MINDNET_NODE', 'mindnet-node');

/** The `mindnet` CLI binary: $MINDNET_CLI, or the workspace's debug build. */
export const cliBinary = () => binary('MINDNET_CLI', 'mindnet');

/** The learner binary: $MINDNET_LEARNER, or the workspace's debug build. */
export const learnerBinary = () => binary('MINDNET_LEARNER', 'mindnet-learner');

/** A TCP port nothing listens on now, as the kernel picks it. */
function unusedPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const handedOut = new Set();

/**
 * A free TCP port on loopback, never one this process handed out before: the kernel may
 * pick a port again once its probe is closed, and two nodes started together (a local
 * network's, or a node's RPC and p2p ports) must not both get it.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await unusedPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no loopback port that this process has not handed out already');
}

/**
 * Starts `mindnet-node --dev` (on `options.chain`, a chain spec file, when given) and
 * resolves once its RPC answers, with an `api` and `stop()`.
 * The test files run at once, each with its own node: a port another process took between
 * `freePort()` and the node's bind is retried on other ports.
 */
export async function startDevNode(options = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevNodeOnce(options);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/i.test(e.message)) throw e;
    }
  }
}

async function startDevNodeOnce({ timeoutMs = 180_000, chain } = {}) {
  const bin = nodeBinary();
  if (!existsSync(bin)) {
    throw new Error(`mindnet-node not found at ${bin}: build it with 'cargo build -p mindnet-node' or set MINDNET_NODE`);
  }
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'mindnet-e2e-'));
  const child = spawn(bin, [
    '--dev', ...(chain ? ['--chain', chain] : []), '--base-path', base,
    '--rpc-port', String(rpcPort), '--port', String(p2pPort),
    '--no-prometheus', '--no-telemetry', '--no-mdns', '--rpc-cors', 'all',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  // Connect only once this node serves RPC: before that, the port may be another process's.
  let serving = false;
  child.stderr.on('data', (d) => {
    log = (log + d.toString()).slice(-20_000);
    serving ||= log.includes('Running JSON-RPC server');
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(base, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  let api;
  while (!api) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`mindnet-node exited with ${child.exitCode}:\n${log}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mindnet-node's RPC did not answer within ${timeoutMs} ms:\n${log}`);
    }
    if (!serving) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      const provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`, false);
      await provider.connect();
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('connect timeout')), 2000);
        provider.on('connected', () => { clearTimeout(t); resolve(); });
        provider.on('error', (e) => { clearTimeout(t); reject(e); });
      });
      api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return {
    api,
    url: `ws://127.0.0.1:${rpcPort}`,
    log: () => log,
    stop: async () => { await api.disconnect().catch(() => {}); await stop(); },
  };
}

/**
 * Signs and sends `tx` (with `options`, e.g. `{ nonce }`), resolving with its events and
 * block hash once it is in a block; rejects with the module error's `section.name` when
 * dispatch fails.
 */
export function send(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, options, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        if (dispatchError.isModule) {
          const { section, name } = api.registry.findMetaError(dispatchError.asModule);
          reject(new Error(`${section}.${name}`));
        } else {
          reject(new Error(dispatchError.toString()));
        }
        return;
      }
      if (status.isInBlock) resolve({ events, blockHash: status.asInBlock });
    }).catch(reject);
  });
}
