//! Seed 000 §2.5's competitive connectivity, as a learner's axon applies it
//! (`--temperature`): how much of each representation every caller is served, from the
//! weights callers put on this learner ([`shares`]), and serving that share ([`mask`]).

/// Seed 000 eq. 7–8's competitive connectivity: the share of this axon's representation
/// each neuron of the network is served, `σ((s_i w_ij − μ_j) / T)`, where `w_ij` is the
/// share of its weight row neuron `i` puts on this axon's neuron `j`, `s_i` its stake
/// relative to the network's mean stake (so `s_i w_ij` is in units of "an average neuron's
/// whole row"), and `μ_j = (1/n) Σ_i s_i w_ij` the mean of those over all `n` neurons. A
/// neuron that weights this one above the network's mean gets more than half; one that
/// sets no weight on it gets `σ(−μ_j / T)`, the least. `temperature` (T) sets how sharply:
/// the lower, the closer to all-or-nothing.
///
/// `stakes` and `weights` are per neuron, in the same order; returns the shares in that
/// order (all 1 for an empty network or a non-positive or non-finite temperature).
pub fn shares(stakes: &[u128], weights: &[f64], temperature: f64) -> Vec<f64> {
    let n = stakes.len().min(weights.len());
    let total: f64 = stakes.iter().take(n).map(|s| *s as f64).sum();
    if n == 0 || total <= 0.0 || !(temperature.is_finite() && temperature > 0.0) {
        return vec![1.0; stakes.len()];
    }
    let mean_stake = total / n as f64;
    let x: Vec<f64> = (0..n)
        .map(|i| stakes[i] as f64 / mean_stake * weights[i])
        .collect();
    let mu = x.iter().sum::<f64>() / n as f64;
    x.iter()
        .map(|xi| 1.0 / (1.0 + (-(xi - mu) / temperature).exp()))
        .collect()
}

/// Masks `rep` (`rows × width`) to the share `served` a caller gets: each value is kept
/// with probability `served`, else zeroed, by a draw keyed by `key` (the axon's secret),
/// the caller and the row's token window. So a caller asking the same window again gets
/// the same mask (asking twice reveals nothing more), and a caller's normalisation cannot
/// undo it (scaling a representation, eq. 7 read literally, would be normalised away).
pub fn mask(
    rep: &mut [f32],
    width: usize,
    served: f64,
    key: &std::hash::RandomState,
    caller: &[u8; 32],
    tokens: &[u8],
    context: usize,
) {
    use std::hash::BuildHasher;
    if served >= 1.0 || width == 0 {
        return;
    }
    for (r, row) in rep.chunks_mut(width).enumerate() {
        let window = tokens.get(r * context..(r + 1) * context).unwrap_or(&[]);
        let mut rng = crate::data::Rng::new(key.hash_one((caller, window)));
        for v in row.iter_mut() {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if u >= served {
                *v = 0.0;
            }
        }
    }
}
