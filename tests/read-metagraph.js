// Reads a network's whole metagraph the ways users do, and measures it (run by
// `METAGRAPH=1 scripts/e2e/scale-chain.sh`): `mindnet neurons --netuid N --json` (every
// neuron, in pages of 1,024 uids), a window of it (`--offset`, `--limit`), and each page
// of `MindnetApi.neuronsPage` and `neuronSummaries` as raw runtime calls, reporting the
// largest response (what a node's and a client's RPC size limits must admit).
//
//   node tests/read-metagraph.js [ws://127.0.0.1:9944] [netuid=0]
import { ApiPromise, WsProvider } from '@polkadot/api';
import { execFile } from 'node:child_process';
import { cliBinary } from './e2e/node.js';

const [url = 'ws://127.0.0.1:9944', netuidArg = '0'] = process.argv.slice(2);
const netuid = Number(netuidArg);
const PAGE = 1024;

function cli(args) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    execFile(cliBinary(), [...args, '--url', url, '--timeout', '600'], { maxBuffer: 1 << 30, timeout: 1_800_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mindnet ${args.join(' ')} failed: ${stderr}`));
      else resolve({ seconds: (Date.now() - t0) / 1000, stdout });
    });
  });
}

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const count = (await api.query.mindnet.neuronCount(netuid)).toNumber();
const whole = await cli(['neurons', '--netuid', String(netuid), '--json']);
const neurons = JSON.parse(whole.stdout);
console.log(`mindnet neurons --netuid ${netuid} --json: ${neurons.length} of ${count} uids in ${whole.seconds.toFixed(1)} s (${(whole.stdout.length / 1048576).toFixed(1)} MiB of JSON)`);
const tail = await cli(['neurons', '--netuid', String(netuid), '--offset', String(Math.max(0, count - 20)), '--limit', '20', '--json']);
console.log(`mindnet neurons --offset ${Math.max(0, count - 20)} --limit 20: ${JSON.parse(tail.stdout).length} neurons in ${tail.seconds.toFixed(1)} s`);

// Each page as a raw runtime call: the response's size as the RPC carries it (hex).
const encode = (start) => api.createType('(u16, u16, u16)', [netuid, start, PAGE]).toHex();
const largest = {};
for (const method of ['MindnetApi_neurons_page', 'MindnetApi_neuron_summaries']) {
  let max = 0;
  const t0 = Date.now();
  for (let start = 0; start < count; start += PAGE) {
    const raw = await api.rpc.state.call(method, encode(start));
    max = Math.max(max, raw.toHex().length);
  }
  largest[method] = max;
  console.log(`${method}: ${Math.ceil(count / PAGE)} pages in ${((Date.now() - t0) / 1000).toFixed(1)} s; largest response ${(max / 1024).toFixed(0)} KiB as hex (limit 2 MiB)`);
}
await api.disconnect();
if (neurons.length !== count) {
  console.error(`read ${neurons.length} neurons of ${count}`);
  process.exit(1);
}
if (Object.values(largest).some((b) => b > 2 * 1048576)) {
  console.error('a page is over 2 MiB');
  process.exit(1);
}
