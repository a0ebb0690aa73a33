// Controlled comparisons at equal steps (run by `COMPARE=1 scripts/e2e/market.sh`): the same
// PEERS synthetic peers and two honest learners with the same seeds, each run on a fresh dev
// chain for STEPS steps, in three markets:
// - `--topk 4`, no adversaries (the baseline);
// - `--topk PEERS` (dense: every peer on every row), no adversaries;
// - `--topk 4` with the /backward poisoner (huge and non-finite gradients to every learner).
// Prints, per market, bytes per step and the validation loss (the mean of the last two
// evaluations, each on EVAL_BATCHES batches), and the two ratios the market is held to:
// sparse bytes over dense bytes (≤ 1/8), and each loss over its reference (within 2 %).
import { runMarket, cleanUp } from './e2e/market.js';

const env = (k, d) => process.env[k] ?? d;
const PEERS = Number(env('PEERS', 64));
const STEPS = Number(env('STEPS', 3000));
const EVAL_BATCHES = Number(env('EVAL_BATCHES', 64));
const EVAL_EVERY = Number(env('EVAL_EVERY', STEPS / 6));
const EXTRA = env('LEARNER_ARGS', '').split(' ').filter(Boolean);

async function market(name, topk, adversaries) {
  const started = Date.now();
  const m = await runMarket({
    peers: PEERS, adversaries, learners: 2, steps: STEPS, evalBatches: EVAL_BATCHES,
    evalEvery: EVAL_EVERY, learnerArgs: ['--topk', String(topk), ...EXTRA],
    log: (s) => console.error(`[${name}] ${s}`),
  });
  try {
    const learners = m.honest.map((p) => {
      const curve = p.result.curve;
      const last = curve.slice(-2).map(([, loss]) => loss);
      return {
        steps: p.result.steps,
        bytes_out_per_step: p.result.peer_bytes_out_per_step,
        bytes_per_step: p.result.peer_bytes_per_step,
        loss: last.reduce((a, b) => a + b, 0) / last.length,
        curve,
      };
    });
    const mean = (f) => learners.reduce((a, l) => a + f(l), 0) / learners.length;
    return {
      name, topk, adversaries, seconds: Math.round((Date.now() - started) / 1000), learners,
      loss: mean((l) => l.loss), bytes_out_per_step: mean((l) => l.bytes_out_per_step),
      bytes_per_step: mean((l) => l.bytes_per_step),
    };
  } finally {
    cleanUp(m);
  }
}

// MARKETS=sparse (or sparse,dense) runs only those: to try the sparse market's options.
const only = env('MARKETS', 'sparse,dense,poisoned').split(',');
const skipped = { loss: NaN, bytes_out_per_step: NaN, bytes_per_step: NaN };
const sparse = await market('sparse', 4, []);
const dense = only.includes('dense') ? await market('dense', PEERS, []) : skipped;
const poisoned = only.includes('poisoned') ? await market('poisoned', 4, ['poison']) : skipped;
console.log(JSON.stringify({
  peers: PEERS,
  steps: STEPS,
  eval_batches: EVAL_BATCHES,
  markets: [sparse, dense, poisoned],
  bandwidth: {
    bytes_out_ratio: sparse.bytes_out_per_step / dense.bytes_out_per_step,
    bytes_ratio: sparse.bytes_per_step / dense.bytes_per_step,
    loss_ratio: sparse.loss / dense.loss,
  },
  poison: { loss_ratio: poisoned.loss / sparse.loss },
}, null, 2));
