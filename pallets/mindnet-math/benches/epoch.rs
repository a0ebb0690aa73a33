//! One epoch at n = 1,024 / 4,096 / 16,384 / 65,536 neurons with 256 weights per row: the
//! chain's fixed-point `mindnet_math::epoch` against a plain f64 implementation of the
//! same steps with the same outputs, for a network's first epoch and for the next one
//! (`-bonded`: mixing the first one's bonds); and the f64 reference this bench first had
//! (`f64-partial`), which leaves out part of a first epoch's work.
//!
//! `cargo bench -p mindnet-math --bench epoch` (`EPOCH_BENCH_SIZES=1024,4096` for fewer sizes)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mindnet_math::{epoch, EpochInput, EpochParams, NeuronState, StoredBondRow};
use std::hint::black_box;

const ROW: usize = 256;

/// A deterministic network: stake and sparse rows from a 64-bit LCG.
fn network(n: usize) -> (Vec<NeuronState>, Vec<Vec<(u16, u16)>>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let neurons = (0..n)
        .map(|_| NeuronState {
            stake: u128::from(next() % 1_000_000_000_000 + 1),
            last_update: 1,
            registered_at: 0,
        })
        .collect();
    let weights = (0..n)
        .map(|_| {
            let mut row: Vec<(u16, u16)> = (0..ROW)
                .map(|_| ((next() % n as u64) as u16, (next() % 65535 + 1) as u16))
                .collect();
            row.sort_unstable_by_key(|(j, _)| *j);
            row.dedup_by_key(|(j, _)| *j);
            row
        })
        .collect();
    (neurons, weights)
}

/// MECHANISM.md's parameters at their defaults, as f64.
const ALPHA: f64 = 0.1;
const DELTA: f64 = 0.5;
const RHO: f64 = 10.0;
const KAPPA: f64 = 0.5;
const ACTIVITY_CUTOFF: u64 = 5000;

/// Steps 1–12 of MECHANISM.md in f64, producing what the chain's epoch produces: the
/// minted amounts (summing to exactly `E`) and `B'` stored for the next epoch (quantised
/// as the chain stores it, `U32F32`), from the same inputs (stake, weights, the previous
/// epoch's stored bonds). The counterpart of `mindnet_math::epoch`.
fn epoch_f64(
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    bonds: &[StoredBondRow],
    block: u64,
    emission: u64,
) -> (Vec<u64>, Vec<StoredBondRow>) {
    let s = active_stake_f64(neurons, block);
    let w = weight_rows_f64(neurons, weights);
    // Steps 4 and 5.
    let n = neurons.len();
    let mut r = vec![0.0; n];
    let mut t = vec![0.0; n];
    for (row, s_i) in w.iter().zip(&s) {
        for (j, w_ij) in row {
            r[*j as usize] += w_ij * s_i;
            t[*j as usize] += s_i;
        }
    }
    let mut rank = r.clone();
    normalize(&mut rank);
    // Steps 6 and 7.
    let c: Vec<f64> = t
        .iter()
        .map(|t| 1.0 / (1.0 + (-RHO * (t - KAPPA)).exp()))
        .collect();
    let mut incentive: Vec<f64> = rank.iter().zip(&c).map(|(a, b)| a * b).collect();
    normalize(&mut incentive);
    // Steps 8 and 9, with step 10's dividends before normalisation.
    let mut pass = SecondPassF64::new(bonds, &r, &incentive);
    let stored: Vec<StoredBondRow> = (0..n).map(|i| pass.row(i, &w[i], s[i])).collect();
    // Steps 10 to 12.
    let mut dividends = pass.dividends;
    normalize(&mut dividends);
    (apportion_f64(&incentive, &dividends, emission), stored)
}

/// `v / Σ v` in place, unless the sum is zero.
fn normalize(v: &mut [f64]) {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

/// Steps 1 and 2: `s_i = a_i S_i / Σ_k a_k S_k`.
fn active_stake_f64(neurons: &[NeuronState], block: u64) -> Vec<f64> {
    let active: Vec<bool> = neurons
        .iter()
        .map(|x| block.saturating_sub(x.last_update) <= ACTIVITY_CUTOFF)
        .collect();
    let stake = |i: usize| {
        if active[i] {
            neurons[i].stake as f64
        } else {
            0.0
        }
    };
    let n = neurons.len();
    let total: f64 = (0..n).map(stake).sum();
    (0..n).map(|i| stake(i) / total).collect()
}

/// Step 3: `W_ij` for the votes that count; a vote for a uid registered since the voter
/// last set weights is dropped.
fn weight_rows_f64(neurons: &[NeuronState], weights: &[Vec<(u16, u16)>]) -> Vec<Vec<(u16, f64)>> {
    weights
        .iter()
        .zip(neurons)
        .map(|(row, me)| {
            let sum: f64 = row.iter().map(|(_, v)| *v as f64).sum();
            row.iter()
                .filter(|(j, v)| {
                    *v > 0
                        && neurons
                            .get(*j as usize)
                            .is_some_and(|x| x.registered_at < me.last_update)
                })
                .map(|(j, v)| (*j, *v as f64 / sum))
                .collect()
        })
        .collect()
}

/// Steps 8 and 9 row by row: the mixed bonds' column sums in closed form (each column of
/// ΔB sums to one), then `B'` row by row, merged by column with the previous bonds, and
/// each row's dividend `Σ_j B'_ij I_j`.
struct SecondPassF64<'a> {
    previous: Vec<Vec<(u16, f64)>>,
    old_columns: Vec<f64>,
    new_columns: Vec<f64>,
    r: &'a [f64],
    incentive: &'a [f64],
    /// `Σ_j B'_ij I_j` of the rows so far.
    dividends: Vec<f64>,
}

impl<'a> SecondPassF64<'a> {
    fn new(bonds: &[StoredBondRow], r: &'a [f64], incentive: &'a [f64]) -> Self {
        let n = r.len();
        let previous: Vec<Vec<(u16, f64)>> = bonds
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(j, q)| (*j, *q as f64 / 4_294_967_296.0))
                    .collect()
            })
            .collect();
        let mut old_columns = vec![0.0; n];
        for row in &previous {
            for (j, b) in row {
                old_columns[*j as usize] += b;
            }
        }
        let new_columns: Vec<f64> = old_columns
            .iter()
            .zip(r)
            .map(|(old, r)| {
                let delta = if *r > 0.0 { 1.0 } else { 0.0 };
                if *old > 0.0 {
                    (1.0 - ALPHA) * old + ALPHA * delta
                } else {
                    delta
                }
            })
            .collect();
        Self {
            previous,
            old_columns,
            new_columns,
            r,
            incentive,
            dividends: vec![0.0; n],
        }
    }

    /// Row `i`'s `B'` as stored, from its weights `row` and stake `s_i`; its dividend is
    /// added to [`Self::dividends`].
    fn row(&mut self, i: usize, row: &[(u16, f64)], s_i: f64) -> StoredBondRow {
        let old = self.previous.get(i).map(|r| &r[..]).unwrap_or(&[]);
        let mut out: StoredBondRow = Vec::with_capacity(row.len().max(old.len()));
        let (old_columns, new_columns) = (&self.old_columns, &self.new_columns);
        let (r, incentive, dividend) = (self.r, self.incentive, &mut self.dividends[i]);
        let mut bond = |j: u16, b: f64, d: f64| {
            let j_ = j as usize;
            let mixed = if old_columns[j_] > 0.0 {
                (1.0 - ALPHA) * b + ALPHA * d
            } else {
                d
            };
            if mixed > 0.0 {
                let b = mixed / new_columns[j_];
                *dividend += b * incentive[j_];
                let q = (b * 4_294_967_296.0).round() as u64;
                if q > 0 {
                    out.push((j, q));
                }
            }
        };
        let (mut a, mut p) = (0, 0);
        while a < row.len() || p < old.len() {
            match (row.get(a), old.get(p)) {
                (Some(&(j, w_ij)), Some(&(k, b))) if j == k => {
                    bond(j, b, w_ij * s_i / r[j as usize]);
                    a += 1;
                    p += 1;
                }
                (Some(&(j, w_ij)), Some(&(k, _))) if j < k => {
                    bond(j, 0.0, w_ij * s_i / r[j as usize]);
                    a += 1;
                }
                (Some(&(j, w_ij)), None) => {
                    bond(j, 0.0, w_ij * s_i / r[j as usize]);
                    a += 1;
                }
                (_, Some(&(k, b))) => {
                    bond(k, b, 0.0);
                    p += 1;
                }
                (None, None) => break,
            }
        }
        out
    }
}

/// Steps 11 and 12: `E` apportioned exactly by `e = (1 − δ) I + δ D`, the remainder to the
/// largest fractions.
fn apportion_f64(incentive: &[f64], dividends: &[f64], emission: u64) -> Vec<u64> {
    let n = incentive.len();
    let e = emission as f64;
    let mut minted = Vec::with_capacity(n);
    let mut fractions = Vec::with_capacity(n);
    for (uid, (i, d)) in incentive.iter().zip(dividends).enumerate() {
        let amount = ((1.0 - DELTA) * i + DELTA * d) * e;
        minted.push(amount.floor() as u64);
        fractions.push((amount - amount.floor(), uid));
    }
    let given: u64 = minted.iter().sum();
    let leftover = (emission.saturating_sub(given) as usize).min(n);
    if leftover > 0 && leftover < n {
        fractions.select_nth_unstable_by(leftover, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    for (_, uid) in fractions.into_iter().take(leftover) {
        minted[uid] += 1;
    }
    minted
}

/// The f64 reference this bench first had, kept to compare with: steps 1–12 for a first
/// epoch without what the chain must also do (no activity or registration masks, `B'`
/// neither formed nor stored, `E` split by truncation rather than apportioned exactly).
/// It computes less than [`epoch_f64`], so it is faster.
fn epoch_f64_partial(
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    emission: u64,
) -> Vec<u64> {
    let n = neurons.len();
    let total: f64 = neurons.iter().map(|x| x.stake as f64).sum();
    let s: Vec<f64> = neurons.iter().map(|x| x.stake as f64 / total).collect();
    let w: Vec<Vec<(usize, f64)>> = weights
        .iter()
        .map(|row| {
            let sum: f64 = row.iter().map(|(_, v)| *v as f64).sum();
            row.iter()
                .map(|(j, v)| (*j as usize, *v as f64 / sum))
                .collect()
        })
        .collect();
    let mut r = vec![0.0; n];
    let mut t = vec![0.0; n];
    for (row, s_i) in w.iter().zip(&s) {
        for (j, w_ij) in row {
            r[*j] += w_ij * s_i;
            t[*j] += s_i;
        }
    }
    let rs: f64 = r.iter().sum();
    let rank: Vec<f64> = r.iter().map(|x| x / rs).collect();
    let c: Vec<f64> = t
        .iter()
        .map(|t| 1.0 / (1.0 + (-RHO * (t - KAPPA)).exp()))
        .collect();
    let rc: Vec<f64> = rank.iter().zip(&c).map(|(a, b)| a * b).collect();
    let rcs: f64 = rc.iter().sum();
    let inc: Vec<f64> = rc.iter().map(|x| x / rcs).collect();
    let mut d: Vec<f64> = w
        .iter()
        .zip(&s)
        .map(|(row, s_i)| {
            row.iter()
                .map(|(j, w_ij)| w_ij * s_i / r[*j] * inc[*j])
                .sum()
        })
        .collect();
    let ds: f64 = d.iter().sum();
    d.iter_mut().for_each(|x| *x /= ds);
    inc.iter()
        .zip(&d)
        .map(|(i, d)| (((1.0 - DELTA) * i + DELTA * d) * emission as f64) as u64)
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("epoch");
    group.sample_size(10);
    let params = EpochParams::default();
    // `EPOCH_BENCH_SIZES=1024,4096` measures only those sizes (and builds no other).
    let sizes: Vec<usize> = match std::env::var("EPOCH_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("EPOCH_BENCH_SIZES: comma-separated sizes")
            })
            .collect(),
        Err(_) => vec![1024, 4096, 16384, 65536],
    };
    for n in sizes {
        let (neurons, weights) = network(n);
        let fixed = |bonds: &[StoredBondRow]| {
            epoch(
                &params,
                &EpochInput {
                    block: 1,
                    emission: 100_000_000_000,
                    neurons: black_box(&neurons),
                    weights: black_box(&weights),
                    bonds: black_box(bonds),
                    bonds_cover_registrations_up_to: 0,
                },
            )
        };
        // The first epoch of a network (no bonds yet), and the next one, which mixes
        // the first one's bonds into its own.
        let bonded = fixed(&[]).bonds;
        // The two compute the same epoch: their minted amounts agree to 1e-6 of E.
        for bonds in [&[][..], &bonded[..]] {
            let (minted, _) = epoch_f64(&neurons, &weights, bonds, 1, 100_000_000_000);
            let gap: u64 = minted
                .iter()
                .zip(&fixed(bonds).emission)
                .map(|(a, b)| a.abs_diff(*b))
                .sum();
            assert!(
                gap <= 100_000,
                "fixed and f64 differ by {gap} base units at n = {n}"
            );
        }
        let gap: u64 = epoch_f64_partial(&neurons, &weights, 100_000_000_000)
            .iter()
            .zip(&fixed(&[]).emission)
            .map(|(a, b)| a.abs_diff(*b))
            .sum();
        assert!(
            gap <= 100_000,
            "fixed and partial f64 differ by {gap} at n = {n}"
        );
        group.bench_with_input(BenchmarkId::new("f64-partial", n), &n, |b, _| {
            b.iter(|| epoch_f64_partial(black_box(&neurons), black_box(&weights), 100_000_000_000))
        });
        for (name, bonds) in [("", &[][..]), ("-bonded", &bonded[..])] {
            group.bench_with_input(BenchmarkId::new(format!("fixed{name}"), n), &n, |b, _| {
                b.iter(|| fixed(bonds))
            });
            group.bench_with_input(BenchmarkId::new(format!("f64{name}"), n), &n, |b, _| {
                b.iter(|| {
                    epoch_f64(
                        black_box(&neurons),
                        black_box(&weights),
                        black_box(bonds),
                        1,
                        100_000_000_000,
                    )
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
