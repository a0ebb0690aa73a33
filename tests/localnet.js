// A local Mindnet network on loopback: validators from chain-specs/local.json (Alice, Bob,
// Charlie, Dave) and extra nodes, each on free ports with a fixed node key, every node
// booting from all the others. The fault test (tests/faults.js) and scripts/e2e/localnet.sh
// use it; every process it starts is stopped by `stopAll()` (and on exit or a signal).
//
//   node tests/localnet.js [--validators N] [--check]
//     starts N validators (default 4) and waits until each finalises block 3; with --check
//     it then stops them and exits 0 (1 on failure), else it runs until Ctrl-C.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary, freePort } from './e2e/node.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The committed local spec. */
export const LOCAL_SPEC = join(repo, 'chain-specs', 'local.json');
/** Genesis validators of the local spec, in order. */
export const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One JSON-RPC call over HTTP; rejects on an error answer or after `timeoutMs`. */
export async function rpc(port, method, params = [], timeoutMs = 5000) {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export class Localnet {
  constructor({ bin = nodeBinary(), spec = LOCAL_SPEC } = {}) {
    if (!existsSync(bin)) {
      throw new Error(`mindnet-node not found at ${bin}: build it with 'cargo build -p mindnet-node' or set MINDNET_NODE`);
    }
    this.bin = bin;
    this.spec = spec;
    this.base = mkdtempSync(join(tmpdir(), 'mindnet-localnet-'));
    this.nodes = new Map();
    const stopSync = () => {
      this.killAllSync();
      rmSync(this.base, { recursive: true, force: true });
    };
    process.on('exit', stopSync);
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.on(signal, () => { stopSync(); process.exit(130); });
    }
  }

  /**
   * Declares node `name` (ports, node key, peer id) without starting it. `dev` says whose
   * dev keys the node inserts: true for its own name's (`--alice` …), or another dev
   * account's name (a second node with the same keys: an equivocating validator); a node
   * without one starts as a validator with an empty keystore (its keys come from
   * `author_rotateKeysWithOwner`).
   */
  async add(name, { dev = VALIDATORS.includes(name) } = {}) {
    const index = this.nodes.size + 1;
    const nodeKey = index.toString(16).padStart(64, '0');
    const keyFile = join(this.base, `${name}.node-key`);
    writeFileSync(keyFile, nodeKey);
    const peerId = execFileSync(this.bin, ['key', 'inspect-node-key', '--file', keyFile]).toString().trim();
    const node = {
      name, dev, nodeKey, peerId, child: null, log: '',
      p2p: await freePort(), rpc: await freePort(), dir: join(this.base, name),
    };
    this.nodes.set(name, node);
    return node;
  }

  /** Starts (or restarts, on the same database) node `name`. */
  start(name) {
    const node = this.nodes.get(name);
    if (this.running(name)) throw new Error(`${name} is running`);
    const bootnodes = [...this.nodes.values()]
      .filter((n) => n !== node)
      .map((n) => `/ip4/127.0.0.1/tcp/${n.p2p}/p2p/${n.peerId}`);
    const args = [
      '--chain', this.spec, '--base-path', node.dir, '--name', node.name,
      '--node-key', node.nodeKey, '--listen-addr', `/ip4/127.0.0.1/tcp/${node.p2p}`,
      '--rpc-port', String(node.rpc), '--rpc-cors', 'all',
      '--no-prometheus', '--no-telemetry', '--no-mdns', '--allow-private-ip',
      node.dev ? `--${typeof node.dev === 'string' ? node.dev : node.name}` : '--validator',
      ...(bootnodes.length ? ['--bootnodes', ...bootnodes] : []),
    ];
    const child = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => { node.log = (node.log + d.toString()).slice(-40_000); });
    node.child = child;
    node.exited = new Promise((resolve) => child.on('exit', resolve));
    return node;
  }

  /** Kills node `name` with `signal` (SIGKILL: a crash) and waits until it is gone. */
  async kill(name, signal = 'SIGKILL') {
    const node = this.nodes.get(name);
    if (node.child && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill(signal);
      await node.exited;
    }
  }

  running(name) {
    const c = this.nodes.get(name).child;
    return Boolean(c) && c.exitCode === null && c.signalCode === null;
  }

  /** Every node's process ended (SIGKILL, synchronously: for exit handlers). */
  killAllSync() {
    for (const n of this.nodes.values()) {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    }
  }

  /** Stops every node (SIGINT, then SIGKILL after 10 s) and removes their databases. */
  async stopAll() {
    await Promise.all([...this.nodes.values()].map(async (n) => {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
        n.child.kill('SIGINT');
        const t = setTimeout(() => n.child.kill('SIGKILL'), 10_000);
        await n.exited;
        clearTimeout(t);
      }
    }));
    rmSync(this.base, { recursive: true, force: true });
  }

  /** A JSON-RPC call to node `name`. */
  rpc(name, method, params) {
    return rpc(this.nodes.get(name).rpc, method, params);
  }

  /** Node `name`'s finalised height, or null when its RPC does not answer. */
  async finalized(name) {
    try {
      const hash = await this.rpc(name, 'chain_getFinalizedHead');
      return parseInt((await this.rpc(name, 'chain_getHeader', [hash])).number, 16);
    } catch {
      return null;
    }
  }

  /** Node `name`'s best height, or null when its RPC does not answer. */
  async best(name) {
    try {
      return parseInt((await this.rpc(name, 'chain_getHeader')).number, 16);
    } catch {
      return null;
    }
  }

  /** The hash and state root of node `name`'s block at `height`. */
  async blockAt(name, height) {
    const hash = await this.rpc(name, 'chain_getBlockHash', [height]);
    const header = await this.rpc(name, 'chain_getHeader', [hash]);
    return { hash, stateRoot: header.stateRoot };
  }

  /**
   * Polls every `everyMs` until `predicate()` is true (resolving with its value), or
   * rejects after `timeoutMs` with `what` and the last log lines of every node.
   */
  async until(what, predicate, { timeoutMs = 120_000, everyMs = 1000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const n of this.nodes.values()) {
        if (n.expectRunning && !this.running(n.name)) {
          throw new Error(`${n.name} exited while ${what}:\n${n.log.slice(-3000)}`);
        }
      }
      const value = await predicate();
      if (value) return value;
      if (Date.now() > deadline) {
        const logs = [...this.nodes.values()]
          .map((n) => `--- ${n.name}\n${n.log.split('\n').slice(-12).join('\n')}`).join('\n');
        throw new Error(`timed out after ${timeoutMs / 1000} s ${what}\n${logs}`);
      }
      await sleep(everyMs);
    }
  }
}

async function main() {
  const args = process.argv.slice(2);
  let count = 4;
  let check = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--check') check = true;
    else if (args[i] === '--validators') count = Number(args[++i]);
    else {
      console.error(`error: unknown argument ${args[i]}: expected --validators N or --check`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(count) || count < 1 || count > VALIDATORS.length) {
    console.error(`error: --validators must be 1 to ${VALIDATORS.length} (the local spec's validators); 3 are needed for finality`);
    process.exit(2);
  }
  const net = new Localnet();
  try {
    const names = VALIDATORS.slice(0, count);
    for (const name of names) await net.add(name);
    for (const name of names) { net.start(name); net.nodes.get(name).expectRunning = true; }
    for (const name of names) {
      const n = net.nodes.get(name);
      console.log(`localnet: ${name}  rpc ws://127.0.0.1:${n.rpc}  p2p ${n.p2p}  peer ${n.peerId}`);
    }
    console.log(`localnet: databases and logs under ${net.base}`);
    await net.until('waiting for every validator to finalise block 3', async () => {
      const heights = await Promise.all(names.map((n) => net.finalized(n)));
      console.log(`localnet: finalised ${names.map((n, i) => `${n}=#${heights[i] ?? '-'}`).join('  ')}`);
      return heights.every((h) => h !== null && h >= 3);
    }, { timeoutMs: 240_000, everyMs: 6000 });
    if (check) {
      console.log(`localnet: all ${count} validators finalise blocks`);
      return;
    }
    console.log('localnet: running; Ctrl-C stops every node');
    await new Promise(() => {});
  } catch (e) {
    console.error(`localnet: ${e.message}`);
    process.exitCode = 1;
  } finally {
    await net.stopAll();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
