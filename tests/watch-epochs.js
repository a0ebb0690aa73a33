// Watches a running node's blocks through one or more epochs of a network and prints each
// block's time since the previous one (from `timestamp.now`), the epoch's phase and
// cursor, and the epoch events; then a summary of block times while the epoch ran.
//
//   node tests/watch-epochs.js [ws://127.0.0.1:9944] [netuid=0] [epochs=1]
import { ApiPromise, WsProvider } from '@polkadot/api';

const [url = 'ws://127.0.0.1:9944', netuidArg = '0', epochsArg = '1'] = process.argv.slice(2);
const netuid = Number(netuidArg);
const wanted = Number(epochsArg);
if (!Number.isInteger(netuid) || !Number.isInteger(wanted) || wanted < 1) {
  console.error('usage: node tests/watch-epochs.js [ws-url] [netuid] [epochs ≥ 1]');
  process.exit(2);
}
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
let previous = null;
let completed = 0;
const during = [];
const all = [];
await new Promise((resolve) => {
  api.rpc.chain.subscribeFinalizedHeads(async (header) => {
    const hash = header.hash;
    const at = await api.at(hash);
    const [now, events] = await Promise.all([at.query.timestamp.now(), at.query.system.events()]);
    const t = now.toNumber();
    // Genesis has no timestamp (0): the first block after it has no block time either.
    const dt = previous === null || previous === 0 ? null : (t - previous) / 1000;
    previous = t;
    const running = (await at.query.mindnet.runningEpochs(netuid)).unwrapOr(null);
    const notes = [];
    for (const { event } of events) {
      if (api.events.mindnet.EpochStarted.is(event) && event.data.netuid.toNumber() === netuid) notes.push(`EpochStarted(block ${event.data.block})`);
      if (api.events.mindnet.EpochCompleted.is(event) && event.data.netuid.toNumber() === netuid) {
        notes.push(`EpochCompleted(emission ${event.data.emission}, blocks ${event.data.blocks})`);
        completed += 1;
      }
    }
    const phase = running ? `${running.phase.type} ${running.cursor}/${running.neurons}` : 'idle';
    console.log(`#${header.number} dt=${dt ?? '-'}s ${phase} ${notes.join(' ')}`);
    if (dt !== null) {
      all.push(dt);
      if (running || notes.length) during.push(dt);
    }
    if (completed >= wanted) resolve();
  });
});
const summary = (xs) => xs.length
  ? `${xs.length} blocks, mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} s, max ${Math.max(...xs).toFixed(2)} s`
  : 'no blocks';
console.log(`while an epoch ran: ${summary(during)}; all watched: ${summary(all)}`);
await api.disconnect();
