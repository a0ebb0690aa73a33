// A learner on a full-size network (run by `LEARNER=1 NEURONS=65529 scripts/e2e/scale-chain.sh`):
// the scale chain's network 0 holds NEURONS synthetic neurons; six synthetic peers and one
// honest learner register into the uids left (65,529 + 7 = 65,536), and the learner, reading
// the metagraph in pages of summaries, must serve, score its peers and set weights twice.
// Prints the time to each step, the learner's roster reads and the weights it set.
//
//   node tests/scale-learner.js [ws://127.0.0.1:9955]
import { ApiPromise, WsProvider } from '@polkadot/api';
import { runMarket, cleanUp } from './e2e/market.js';

const [url = 'ws://127.0.0.1:9955'] = process.argv.slice(2);
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const t0 = Date.now();
const seconds = () => ((Date.now() - t0) / 1000).toFixed(0);
const before = (await api.query.mindnet.neuronCount(0)).toNumber();
console.log(`network 0 holds ${before} neurons`);
let m;
try {
  m = await runMarket({
    node: { url, api }, peers: 6, learners: 1, trainMs: 10_000, weightsEvery: 5,
    log: (s) => console.log(`[${seconds()} s] ${s}`),
  });
  const after = (await api.query.mindnet.neuronCount(0)).toNumber();
  const [p] = m.honest;
  const weights = Object.entries(p.result.weights);
  console.log(JSON.stringify({
    neurons: after,
    learner_uid: p.uid,
    weights_set_in_block: p.result.weights_block,
    weighted_uids: weights.length,
    weights: Object.fromEntries(weights),
    peers: m.members.map((x) => ({ uid: x.uid, p: x.p })),
    total_seconds: Number(seconds()),
  }, null, 2));
  if (weights.length === 0) throw new Error('the learner set no weights');
} finally {
  cleanUp(m);
  await api.disconnect();
}
