//! One epoch at n = 1,024 / 4,096 / 16,384 neurons with 256 weights per row: the chain's
//! fixed-point `mindnet_math::epoch` against a plain f64 implementation of the same steps.
//!
//! `cargo bench -p mindnet-math --bench epoch`

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

/// Steps 1–12 of MECHANISM.md in f64 over the same sparse rows (first epoch: no bonds).
fn epoch_f64(neurons: &[NeuronState], weights: &[Vec<(u16, u16)>], emission: u64) -> Vec<u64> {
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
        .map(|t| 1.0 / (1.0 + (-10.0 * (t - 0.5)).exp()))
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
        .map(|(i, d)| ((0.5 * i + 0.5 * d) * emission as f64) as u64)
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("epoch");
    group.sample_size(10);
    for n in [1024usize, 4096, 16384, 65536] {
        let (neurons, weights) = network(n);
        let bonds: Vec<StoredBondRow> = Vec::new();
        group.bench_with_input(BenchmarkId::new("fixed", n), &n, |b, _| {
            b.iter(|| {
                epoch(
                    &EpochParams::default(),
                    &EpochInput {
                        block: 0,
                        emission: 100_000_000_000,
                        neurons: black_box(&neurons),
                        weights: black_box(&weights),
                        bonds: &bonds,
                        bonds_cover_registrations_up_to: 0,
                    },
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("f64", n), &n, |b, _| {
            b.iter(|| epoch_f64(black_box(&neurons), black_box(&weights), 100_000_000_000))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
