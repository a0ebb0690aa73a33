// The market at full size (run by scripts/e2e/market.sh): honest learners, PEERS synthetic
// peers of known usefulness and the adversaries, on a dev chain; prints what it measured
// as JSON: each learner's Spearman ρ of its weights against the truth, the incentive's,
// the adversaries' weights and incentive against the synthetic peers', bytes per step and
// validation loss.
import { runMarket, cleanUp, spearman } from './e2e/market.js';

const env = (k, d) => process.env[k] ?? d;
const PEERS = Number(env('PEERS', 64));
const ADVERSARIES = env('ADVERSARIES', 'noise,loud,dead,late,poison,split').split(',').filter(Boolean);
const LEARNERS = Number(env('LEARNERS', 2));
const TRAIN_MS = Number(env('TRAIN_MS', 120_000));
const EXTRA = env('LEARNER_ARGS', '').split(' ').filter(Boolean);

const m = await runMarket({
  peers: PEERS, adversaries: ADVERSARIES, learners: LEARNERS, trainMs: TRAIN_MS,
  learnerArgs: EXTRA, log: (s) => console.error(s),
});
try {
  const synthetic = m.members.filter((x) => x.p !== null);
  const good = synthetic.filter((x) => x.p >= 0.2);
  const inc = (x) => m.incentive[x.uid] ?? 0;
  const learners = m.honest.map((p) => {
    const w = (x) => Number(p.result.weights[x.uid] ?? 0);
    return {
      uid: p.uid,
      spearman_weights_vs_p: spearman(synthetic.map((x) => x.p), synthetic.map(w)),
      weighted: Object.keys(p.result.weights).length,
      lowest_good_weight: Math.min(...good.map(w)),
      adversaries: Object.fromEntries(m.members.filter((x) => x.adversary).map((x) => [x.name, w(x)])),
      bytes_per_step: p.result.peer_bytes_per_step,
      bytes_out_per_step: p.result.peer_bytes_out_per_step,
      validation_loss: p.result.validation_loss,
      steps: p.result.steps,
      curve: p.result.curve,
      tokens_per_second: p.result.tokens_per_second,
      fisher_vs_ablation: (() => {
        const a = p.result.ablation_scores || {};
        const both = Object.keys(a).filter((u) => p.result.scores[u] !== undefined);
        return both.length > 2 ? spearman(both.map((u) => p.result.scores[u]), both.map((u) => a[u])) : null;
      })(),
    };
  });
  const out = {
    peers: PEERS,
    adversaries: ADVERSARIES,
    learner_args: EXTRA,
    train_ms: TRAIN_MS,
    learners,
    incentive: {
      spearman_vs_p: spearman(synthetic.map((x) => x.p), synthetic.map(inc)),
      lowest_good: Math.min(...good.map(inc)),
      adversaries: Object.fromEntries(m.members.filter((x) => x.adversary).map((x) => [x.name, inc(x)])),
      best_synthetic: inc(synthetic[synthetic.length - 1]),
    },
  };
  console.log(JSON.stringify(out, null, 2));
} finally {
  cleanUp(m);
}
