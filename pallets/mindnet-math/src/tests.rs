//! Unit and property tests of the epoch against a float64 evaluation of MECHANISM.md.

use super::*;
use crate::fixed::{ratio_u128, sigmoid, HALF, ONE};
use proptest::prelude::*;

fn f(x: Fixed) -> f64 {
    x.to_num::<f64>()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn l1(a: &[Fixed], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (f(*x) - y).abs()).sum()
}

/// MECHANISM.md steps 1–11 and 13 in plain f64, dense, written from the text.
struct Reference {
    rank: Vec<f64>,
    trust: Vec<f64>,
    consensus: Vec<f64>,
    incentive: Vec<f64>,
    dividends: Vec<f64>,
    shares: Vec<f64>,
    loss: f64,
    bonds: Vec<Vec<f64>>,
}

fn reference(
    params: &EpochParams,
    block: u64,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    bonds: &[Vec<f64>],
) -> Reference {
    let n = neurons.len();
    let (rho, kappa, alpha, delta) = (
        f(params.rho),
        f(params.kappa),
        f(params.alpha),
        f(params.delta),
    );
    let active: Vec<f64> = neurons
        .iter()
        .map(|x| {
            if block.saturating_sub(x.last_update) <= params.activity_cutoff {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = neurons
        .iter()
        .zip(&active)
        .map(|(x, a)| a * x.stake as f64)
        .sum();
    let s: Vec<f64> = neurons
        .iter()
        .zip(&active)
        .map(|(x, a)| {
            if total > 0.0 {
                a * x.stake as f64 / total
            } else {
                0.0
            }
        })
        .collect();
    let mut w = vec![vec![0.0; n]; n];
    for i in 0..n {
        let row = &weights[i];
        let sum: f64 = row.iter().map(|(_, v)| *v as f64).sum();
        for (j, v) in row {
            let j = *j as usize;
            if j >= n || sum == 0.0 || neurons[j].registered_at >= neurons[i].last_update {
                continue;
            }
            if params.mask_self_weight && i == j {
                continue;
            }
            w[i][j] += *v as f64 / sum;
        }
    }
    let r: Vec<f64> = (0..n)
        .map(|j| (0..n).map(|i| w[i][j] * s[i]).sum())
        .collect();
    let rs: f64 = r.iter().sum();
    let rank: Vec<f64> = r
        .iter()
        .map(|x| if rs > 0.0 { x / rs } else { 0.0 })
        .collect();
    let trust: Vec<f64> = (0..n)
        .map(|j| (0..n).filter(|i| w[*i][j] > 0.0).map(|i| s[i]).sum())
        .collect();
    let consensus: Vec<f64> = trust
        .iter()
        .map(|t| 1.0 / (1.0 + (-(rho * (t - kappa))).exp()))
        .collect();
    let rc: Vec<f64> = rank.iter().zip(&consensus).map(|(a, b)| a * b).collect();
    let rcs: f64 = rc.iter().sum();
    let incentive: Vec<f64> = rc
        .iter()
        .map(|x| if rcs > 0.0 { x / rcs } else { 0.0 })
        .collect();
    let mut b = vec![vec![0.0; n]; n];
    for j in 0..n {
        let old: f64 = (0..n).map(|i| bonds.get(i).map_or(0.0, |row| row[j])).sum();
        for i in 0..n {
            let d = if r[j] > 0.0 {
                w[i][j] * s[i] / r[j]
            } else {
                0.0
            };
            let prev = bonds.get(i).map_or(0.0, |row| row[j]);
            b[i][j] = if old > 0.0 {
                (1.0 - alpha) * prev + alpha * d
            } else {
                d
            };
        }
        let col: f64 = (0..n).map(|i| b[i][j]).sum();
        for row in b.iter_mut() {
            if col > 0.0 {
                row[j] /= col;
            }
        }
    }
    let d: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| b[i][j] * incentive[j]).sum())
        .collect();
    let ds: f64 = d.iter().sum();
    let dividends: Vec<f64> = d
        .iter()
        .map(|x| if ds > 0.0 { x / ds } else { 0.0 })
        .collect();
    let shares = incentive
        .iter()
        .zip(&dividends)
        .map(|(i, d)| (1.0 - delta) * i + delta * d)
        .collect();
    let loss = -rank
        .iter()
        .zip(&consensus)
        .map(|(r, c)| r * (c - 0.5))
        .sum::<f64>();
    Reference {
        rank,
        trust,
        consensus,
        incentive,
        dividends,
        shares,
        loss,
        bonds: b,
    }
}

fn neurons_with(stakes: &[u128]) -> Vec<NeuronState> {
    stakes
        .iter()
        .map(|s| NeuronState {
            stake: *s,
            last_update: 1,
            registered_at: 0,
        })
        .collect()
}

fn run(
    params: &EpochParams,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    bonds: &[StoredBondRow],
    emission: u64,
) -> EpochOutput {
    epoch(
        params,
        &EpochInput {
            block: 0,
            emission,
            neurons,
            weights,
            bonds,
            bonds_cover_registrations_up_to: 0,
        },
    )
}

const NO_BONDS: &[StoredBondRow] = &[];

#[test]
fn hand_computed_three_neuron_epoch() {
    // s = [0.1, 0.2, 0.7]; W = [[0, .5, .5], [0, 0, 1], [0, .25, .75]].
    let neurons = neurons_with(&[100, 200, 700]);
    let weights = vec![vec![(1, 1), (2, 1)], vec![(2, 65535)], vec![(1, 1), (2, 3)]];
    let out = run(
        &EpochParams::default(),
        &neurons,
        &weights,
        NO_BONDS,
        10_000_000_000,
    );
    let expect = |got: &[Fixed], want: &[f64]| {
        for (g, w) in got.iter().zip(want) {
            assert!(close(f(*g), *w, 1e-12), "got {} want {w}", f(*g));
        }
    };
    expect(&out.rank, &[0.0, 0.225, 0.775]);
    expect(&out.trust, &[0.0, 0.8, 1.0]);
    expect(
        &out.consensus,
        &[
            0.0066928509242848554,
            0.9525741268224331,
            0.9933071490757153,
        ],
    );
    expect(
        &out.incentive,
        &[0.0, 0.21778272934765738, 0.7822172706523427],
    );
    expect(
        &out.dividends,
        &[0.09886179244192449, 0.20186252145866912, 0.6992756860994065],
    );
    expect(
        &out.emission_shares,
        &[
            0.049430896220962244,
            0.20982262540316327,
            0.7407464783758746,
        ],
    );
    assert!(close(out.loss.to_num::<f64>(), -0.4841422190687268, 1e-12));
    // floor(E e) = [494308962, 2098226254, 7407464783]; the one left over goes to the
    // largest fractional part (.759 of neuron 2).
    assert_eq!(
        out.emission,
        vec![494_308_962, 2_098_226_254, 7_407_464_784]
    );
    assert_eq!(out.minted, 10_000_000_000);
    // ΔB columns: col 1 = [2/9, 0, 7/9], col 2 = [2/31, 8/31, 21/31].
    let b = &out.bonds;
    assert_eq!(b[0].len(), 2);
    assert!(close(f(dequantize_bond(b[0][0].1)), 2.0 / 9.0, 1e-9));
    assert!(close(f(dequantize_bond(b[2][1].1)), 21.0 / 31.0, 1e-9));
}

#[test]
fn sigmoid_at_and_around_kappa() {
    assert_eq!(sigmoid(SignedFixed::from_num(0)), HALF);
    for x in [
        -40.0f64, -10.0, -5.0, -1.0, -0.001, 0.001, 1.0, 5.0, 10.0, 40.0,
    ] {
        let got = f(sigmoid(SignedFixed::from_num(x)));
        let want = 1.0 / (1.0 + (-x).exp());
        assert!(close(got, want, 1e-15), "σ({x}) = {got}, want {want}");
    }
    // Symmetry σ(x) + σ(−x) = 1, and saturation at the type's extremes.
    let x = SignedFixed::from_num(2.5);
    assert!(close(f(sigmoid(x)) + f(sigmoid(-x)), 1.0, 1e-18));
    assert_eq!(sigmoid(SignedFixed::max_value()), ONE);
    assert_eq!(sigmoid(SignedFixed::min_value()), Fixed::from_num(0));
    // Consensus at T = κ is exactly ½.
    let c = epoch::consensus(&[HALF], Fixed::from_num(10), HALF);
    assert_eq!(c[0], HALF);
}

#[test]
fn zero_vectors_and_empty_rows() {
    let mut zero = vec![Fixed::from_num(0); 4];
    fixed::normalize(&mut zero);
    assert!(zero.iter().all(|v| *v == Fixed::from_num(0)));
    // No weights at all: nothing ranks, nothing is minted.
    let neurons = neurons_with(&[10, 20]);
    let out = run(
        &EpochParams::default(),
        &neurons,
        &[vec![], vec![]],
        NO_BONDS,
        1000,
    );
    assert_eq!(out.minted, 0);
    assert_eq!(out.emission, vec![0, 0]);
    // A row of zero values is all zero.
    let out = run(
        &EpochParams::default(),
        &neurons,
        &[vec![(1, 0)], vec![]],
        NO_BONDS,
        1000,
    );
    assert_eq!(out.minted, 0);
}

#[test]
fn no_active_stake_mints_nothing() {
    let neurons = neurons_with(&[0, 0]);
    let out = run(
        &EpochParams::default(),
        &neurons,
        &[vec![(1, 1)], vec![(0, 1)]],
        NO_BONDS,
        1000,
    );
    assert_eq!(out.minted, 0);
    // Stake exists but everyone is past the activity cutoff.
    let mut neurons = neurons_with(&[5, 5]);
    let params = EpochParams {
        activity_cutoff: 10,
        ..Default::default()
    };
    for n in neurons.iter_mut() {
        n.last_update = 0;
    }
    let out = epoch(
        &params,
        &EpochInput {
            block: 11,
            emission: 1000,
            neurons: &neurons,
            weights: &[vec![(1, 1)], vec![(0, 1)]],
            bonds: NO_BONDS,
            bonds_cover_registrations_up_to: 0,
        },
    );
    assert_eq!(out.active, vec![false, false]);
    assert_eq!(out.minted, 0);
}

#[test]
fn single_neuron_with_self_weight_takes_everything() {
    let neurons = neurons_with(&[1]);
    let out = run(
        &EpochParams::default(),
        &neurons,
        &[vec![(0, 7)]],
        NO_BONDS,
        123_456_789,
    );
    assert_eq!(out.emission, vec![123_456_789]);
    assert_eq!(out.rank, vec![ONE]);
    // Masking self-weight leaves nothing to rank.
    let params = EpochParams {
        mask_self_weight: true,
        ..Default::default()
    };
    let out = run(&params, &neurons, &[vec![(0, 7)]], NO_BONDS, 123_456_789);
    assert_eq!(out.minted, 0);
}

#[test]
fn stake_at_the_integer_limits() {
    for big in [
        u128::MAX,
        u128::MAX - 1,
        u128::from(u64::MAX),
        u128::from(u64::MAX) + 1,
    ] {
        let neurons = neurons_with(&[big, 0, 1]);
        let weights = vec![vec![(1, 1)], vec![(1, 1)], vec![(1, 1)]];
        let out = run(
            &EpochParams::default(),
            &neurons,
            &weights,
            NO_BONDS,
            u64::MAX,
        );
        assert_eq!(out.minted, u64::MAX);
        assert_eq!(
            out.emission.iter().map(|e| u128::from(*e)).sum::<u128>(),
            u128::from(u64::MAX)
        );
        assert!(close(f(out.stake[0]), 1.0, 1e-15));
    }
    // Stakes whose sum overflows u128 (found by fuzzing) still normalise to one.
    let neurons = neurons_with(&[u128::MAX / 4 * 3, u128::MAX / 2]);
    let weights = vec![vec![(0, 1)], vec![(0, 1)]];
    let out = run(&EpochParams::default(), &neurons, &weights, NO_BONDS, 1000);
    assert!(close(f(out.stake[0]), 0.6, 1e-15) && close(f(out.stake[1]), 0.4, 1e-15));
    assert!(close(f(out.trust[0]), 1.0, 1e-15));
    assert_eq!(ratio_u128(u128::MAX, u128::MAX), ONE);
    assert_eq!(ratio_u128(1, 0), Fixed::from_num(0));
}

#[test]
fn sixty_five_thousand_neurons_on_one() {
    let n = 65_535usize;
    let neurons = neurons_with(&vec![1_000_000_000u128; n]);
    let weights: Vec<Vec<(u16, u16)>> = (0..n).map(|_| vec![(0u16, u16::MAX)]).collect();
    let out = run(
        &EpochParams::default(),
        &neurons,
        &weights,
        NO_BONDS,
        1_000_000_000,
    );
    assert_eq!(out.minted, 1_000_000_000);
    assert_eq!(
        out.trust[0],
        out.stake.iter().fold(Fixed::from_num(0), |a, s| a + *s)
    );
    assert!(close(f(out.incentive[0]), 1.0, 1e-12));
}

#[test]
fn apportion_is_exact_and_breaks_ties_to_lower_uid() {
    let third = ratio_u128(1, 3);
    assert_eq!(epoch::apportion(10, &[third, third, third]), vec![4, 3, 3]);
    assert_eq!(epoch::apportion(0, &[third, third, third]), vec![0, 0, 0]);
    assert_eq!(epoch::apportion(5, &[Fixed::from_num(0); 3]), vec![0, 0, 0]);
    // Shares summing to more than one (by rounding) never mint more than E.
    let over = Fixed::from_bits(ONE.to_bits() / 2 + 5);
    assert_eq!(
        epoch::apportion(u64::MAX, &[over, over])
            .iter()
            .map(|x| *x as u128)
            .sum::<u128>(),
        u64::MAX as u128
    );
}

#[test]
fn loss_peg_moves_by_one_within_bounds() {
    let margin = fixed::from_parts_per_billion(50_000_000);
    let pos = SignedFixed::from_num(0.1);
    let neg = SignedFixed::from_num(-0.1);
    let small = SignedFixed::from_num(-0.01);
    assert_eq!(next_min_allowed_weights(3, pos, margin, 10), 4);
    assert_eq!(next_min_allowed_weights(10, pos, margin, 10), 10);
    assert_eq!(next_min_allowed_weights(3, neg, margin, 10), 2);
    assert_eq!(next_min_allowed_weights(1, neg, margin, 10), 1);
    assert_eq!(next_min_allowed_weights(3, small, margin, 10), 3);
}

#[test]
fn adaptive_emission_moves_toward_target_within_bounds() {
    let g = fixed::from_parts_per_billion(100_000_000);
    let t = HALF;
    assert_eq!(adapt_block_emission(1000, ONE, t, g, 10, 10_000), 900);
    assert_eq!(
        adapt_block_emission(1000, Fixed::from_num(0), t, g, 10, 10_000),
        1100
    );
    assert_eq!(adapt_block_emission(1000, t, t, g, 10, 10_000), 1000);
    assert_eq!(
        adapt_block_emission(1000, Fixed::from_num(0), t, g, 10, 1050),
        1050
    );
}

#[test]
fn stale_votes_and_replaced_bonds_are_dropped() {
    // Neuron 1 registered at block 5, after neuron 0 last set weights at block 3.
    let neurons = vec![
        NeuronState {
            stake: 10,
            last_update: 3,
            registered_at: 0,
        },
        NeuronState {
            stake: 10,
            last_update: 6,
            registered_at: 5,
        },
    ];
    // Both hold half the stake: uid 0's vote for uid 0 is half its row, uid 1's all of it.
    let w = epoch::weighted_rows(
        &[vec![(0u16, 1u16), (1, 1)], vec![(0, 1)]],
        &neurons,
        &[HALF, HALF],
        false,
    );
    assert_eq!(w[0], vec![(0, Fixed::from_bits(1 << 62))]);
    assert_eq!(w[1], vec![(0, HALF)]);
    // Bonds on uid 1 predate its registration and are dropped.
    let bonds = vec![
        vec![(0u16, 1u64 << 31), (1, 1u64 << 32)],
        vec![(0, 1u64 << 31)],
    ];
    let out = epoch(
        &EpochParams::default(),
        &EpochInput {
            block: 6,
            emission: 100,
            neurons: &neurons,
            weights: &[vec![(0u16, 1u16), (1, 1)], vec![(0, 1)]],
            bonds: &bonds,
            bonds_cover_registrations_up_to: 4,
        },
    );
    assert!(out.bonds[0].iter().all(|(j, _)| *j == 0));
    assert!(out.bonds[1].iter().all(|(j, _)| *j == 0));
}

/// Random networks of `1..max_n` neurons with up to 16 random weights per row.
fn network(max_n: usize) -> impl Strategy<Value = (Vec<NeuronState>, Vec<Vec<(u16, u16)>>)> {
    (1usize..max_n).prop_flat_map(|n| {
        let neuron = (0u128..1_000_000_000_000, 0u64..20, 0u64..20).prop_map(|(stake, lu, reg)| {
            NeuronState {
                stake,
                last_update: lu,
                registered_at: reg.min(lu),
            }
        });
        let row = proptest::collection::btree_map(0..n as u16, any::<u16>(), 0..16.min(n + 1))
            .prop_map(|m| m.into_iter().collect::<Vec<_>>());
        (
            proptest::collection::vec(neuron, n),
            proptest::collection::vec(row, n),
        )
    })
}

fn check_against_reference(
    params: &EpochParams,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    epochs: usize,
    tol: f64,
) -> Result<(), TestCaseError> {
    let n = neurons.len();
    let mut stored: Vec<StoredBondRow> = vec![Vec::new(); n];
    let mut float_bonds: Vec<Vec<f64>> = Vec::new();
    for _ in 0..epochs {
        let out = epoch(
            params,
            &EpochInput {
                block: 10,
                emission: 1_000_000_000_000,
                neurons,
                weights,
                bonds: &stored,
                bonds_cover_registrations_up_to: u64::MAX,
            },
        );
        let r = reference(params, 10, neurons, weights, &float_bonds);
        prop_assert!(
            l1(&out.rank, &r.rank) <= tol,
            "rank {}",
            l1(&out.rank, &r.rank)
        );
        prop_assert!(l1(&out.trust, &r.trust) <= tol);
        prop_assert!(l1(&out.consensus, &r.consensus) <= tol);
        prop_assert!(l1(&out.incentive, &r.incentive) <= tol);
        prop_assert!(
            l1(&out.dividends, &r.dividends) <= tol,
            "div {}",
            l1(&out.dividends, &r.dividends)
        );
        prop_assert!(l1(&out.emission_shares, &r.shares) <= tol);
        prop_assert!((out.loss.to_num::<f64>() - r.loss).abs() <= tol);
        prop_assert!(out.minted == 0 || out.minted == 1_000_000_000_000);
        prop_assert_eq!(out.emission.iter().sum::<u64>(), out.minted);
        stored = out.bonds;
        float_bonds = r.bonds;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn one_epoch_matches_float64((neurons, weights) in network(2001), mask in any::<bool>()) {
        let params = EpochParams { mask_self_weight: mask, activity_cutoff: 15, ..Default::default() };
        check_against_reference(&params, &neurons, &weights, 1, 1e-6)?;
    }

    #[test]
    fn row_order_does_not_matter((neurons, weights) in network(2001)) {
        let params = EpochParams::default();
        let forward = run(&params, &neurons, &weights, NO_BONDS, 999_999_937);
        // Reverse the entries within each row: the result is bit-identical.
        let reversed: Vec<Vec<(u16, u16)>> =
            weights.iter().map(|r| r.iter().rev().copied().collect()).collect();
        let again = run(&params, &neurons, &reversed, NO_BONDS, 999_999_937);
        prop_assert_eq!(forward, again);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Relabelling the neurons (processing the rows in the opposite order) permutes every
    /// output vector and changes no value: fixed-point sums are exact.
    #[test]
    fn processing_rows_in_another_order_gives_the_same_result((neurons, weights) in network(2001)) {
        let n = neurons.len();
        let flip = |uid: usize| n - 1 - uid;
        let neurons2: Vec<NeuronState> = (0..n).map(|i| neurons[flip(i)]).collect();
        let weights2: Vec<Vec<(u16, u16)>> = (0..n)
            .map(|i| {
                let mut row: Vec<(u16, u16)> =
                    weights[flip(i)].iter().map(|(j, v)| (flip(*j as usize) as u16, *v)).collect();
                row.sort_unstable();
                row
            })
            .collect();
        let params = EpochParams::default();
        let a = run(&params, &neurons, &weights, NO_BONDS, 1_000_000_007);
        let b = run(&params, &neurons2, &weights2, NO_BONDS, 1_000_000_007);
        for (x, y) in [
            (&a.rank, &b.rank),
            (&a.trust, &b.trust),
            (&a.consensus, &b.consensus),
            (&a.incentive, &b.incentive),
            (&a.dividends, &b.dividends),
            (&a.emission_shares, &b.emission_shares),
        ] {
            for i in 0..n {
                prop_assert_eq!(x[i], y[flip(i)]);
            }
        }
        prop_assert_eq!(a.loss, b.loss);
        prop_assert_eq!(a.minted, b.minted);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn many_epochs_match_float64_with_bond_quantisation((neurons, weights) in network(300)) {
        check_against_reference(&EpochParams::default(), &neurons, &weights, 100, 1e-4)?;
    }
}

#[test]
fn a_uid_listed_twice_counts_once_with_both_values() {
    // Found by fuzzing: duplicates once counted the voter's stake twice in trust.
    let neurons = neurons_with(&[10, 10]);
    let weights = vec![vec![(1, 1), (1, 1), (0, 2)], vec![(1, 1)]];
    let out = run(&EpochParams::default(), &neurons, &weights, NO_BONDS, 1000);
    assert_eq!(out.trust[1], ONE);
    let w = epoch::weighted_rows(&weights, &neurons, &[ONE, Fixed::from_num(0)], false);
    assert_eq!(w[0], vec![(0, HALF), (1, HALF)]);
}

#[test]
fn all_stake_on_one_neuron_decides_alone() {
    // Only uid 2 has stake: its vote alone ranks, trusts and earns the dividends.
    let neurons = neurons_with(&[0, 0, 5_000]);
    let weights = vec![vec![(0, 1)], vec![(0, 1)], vec![(1, 3), (2, 1)]];
    let out = run(&EpochParams::default(), &neurons, &weights, NO_BONDS, 1_000);
    assert_eq!(out.stake, vec![Fixed::from_num(0), Fixed::from_num(0), ONE]);
    assert_eq!(out.rank[0], Fixed::from_num(0));
    assert!(close(f(out.rank[1]), 0.75, 1e-15) && close(f(out.rank[2]), 0.25, 1e-15));
    assert_eq!((out.trust[1], out.trust[2]), (ONE, ONE));
    // Every bond is held by uid 2, so it takes all the dividends.
    assert_eq!(
        out.dividends,
        vec![Fixed::from_num(0), Fixed::from_num(0), ONE]
    );
    assert_eq!(out.emission.iter().sum::<u64>(), 1_000);
}

proptest::proptest! {
    /// The native 64 × 64-bit product path of `fixed::mul` equals the general
    /// saturating 128-bit multiply bit for bit.
    #[test]
    fn fast_mul_is_bit_identical(a in proptest::num::u128::ANY, b in proptest::num::u128::ANY, small in proptest::num::u64::ANY) {
        let (x, y) = (Fixed::from_bits(a), Fixed::from_bits(b));
        proptest::prop_assert_eq!(crate::fixed::mul(x, y), x.saturating_mul(y));
        let s = Fixed::from_bits(u128::from(small));
        proptest::prop_assert_eq!(crate::fixed::mul(s, y), s.saturating_mul(y));
        proptest::prop_assert_eq!(crate::fixed::mul(s, Fixed::from_bits(b >> 64)), s.saturating_mul(Fixed::from_bits(b >> 64)));
    }

    /// Division through a prepared reciprocal equals `div_or_zero` bit for bit, for
    /// divisors of every magnitude (`shift` spreads them over the 128 bits), numerators
    /// above and below one, and a reciprocal that belongs to another divisor.
    #[test]
    fn reciprocal_division_is_bit_identical(
        a in proptest::num::u128::ANY,
        d in proptest::num::u128::ANY,
        a_shift in 0u32..128,
        d_shift in 0u32..128,
        foreign in proptest::num::u128::ANY,
    ) {
        use crate::fixed::{div_or_zero, Divisor};
        let (x, y) = (Fixed::from_bits(a >> a_shift), Fixed::from_bits(d >> d_shift));
        let divisor = Divisor::new(y);
        proptest::prop_assert_eq!(divisor.div(x), div_or_zero(x, y));
        proptest::prop_assert_eq!(Divisor::from_parts(y, divisor.reciprocal()), divisor);
        proptest::prop_assert_eq!(Divisor::from_parts(y, foreign).div(x), div_or_zero(x, y));
    }

    /// Dividing a fixed-point value by a small integer is dividing its bits.
    #[test]
    fn integer_division_is_bit_division(a in proptest::num::u128::ANY, m in 1u32..64) {
        let x = Fixed::from_bits(a);
        proptest::prop_assert_eq!(
            Fixed::from_bits(a / u128::from(m)),
            crate::fixed::div_or_zero(x, Fixed::from_num(m))
        );
    }
}

/// The edges of reciprocal division: a zero divisor, a divisor of one unit in the last
/// place, quotients of exactly one, and numerators of one and above.
#[test]
fn reciprocal_division_edges() {
    use crate::fixed::{div_or_zero, Divisor};
    let values = [
        0u128,
        1,
        2,
        3,
        (1 << 63) - 1,
        1 << 63,
        u128::from(u64::MAX),
        1 << 64,
        (1 << 64) + 1,
        u128::MAX >> 1,
        u128::MAX,
    ];
    for d in values {
        let divisor = Divisor::new(Fixed::from_bits(d));
        for a in values {
            let (x, y) = (Fixed::from_bits(a), Fixed::from_bits(d));
            assert_eq!(divisor.div(x), div_or_zero(x, y), "{a} / {d}");
        }
    }
    assert_eq!(Divisor::new(HALF).div(HALF), ONE);
    assert_eq!(
        Divisor::new(Fixed::from_num(0)).div(ONE),
        Fixed::from_num(0)
    );
}

/// The closed-form column sums of the mixed bonds equal the sums of the mixed rows
/// within one unit in the last place per bond.
#[test]
fn new_bond_columns_match_the_summed_rows() {
    let stakes: Vec<u128> = (1..=40).map(|k| k * 1_000_003).collect();
    let neurons = neurons_with(&stakes);
    let n = neurons.len();
    let weights: Vec<Vec<(u16, u16)>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|j| (i * 7 + j * 3) % 5 != 0)
                .map(|j| (j as u16, (1 + (i * 31 + j * 17) % 1000) as u16))
                .collect()
        })
        .collect();
    let params = EpochParams::default();
    let active = epoch::active_mask(10, params.activity_cutoff, &neurons);
    let s = epoch::active_stake(&neurons, &active);
    let w = epoch::weighted_rows(&weights, &neurons, &s, false);
    // Old bonds on the even columns only, so that both branches of step 9 are taken.
    let previous: Vec<SparseRow> = (0..n)
        .map(|i| {
            (0..n)
                .step_by(2)
                .map(|j| (j as u16, ratio_u128((i + j + 1) as u128, 4000)))
                .collect()
        })
        .collect();
    let mut first = epoch::FirstPass::new(n);
    for i in 0..n {
        first.add_row(i, w[i].iter().copied(), s[i], previous[i].iter().copied());
    }
    let ranks = epoch::divisors(&first.raw_rank);
    let mut summed = vec![Fixed::from_num(0); n];
    for i in 0..n {
        let delta = epoch::bond_delta_row(&w[i], &ranks);
        let mixed =
            epoch::mix_bond_row(&previous[i], &delta, &first.old_bond_columns, params.alpha);
        epoch::add_columns(&mut summed, mixed.iter().copied());
    }
    let closed = epoch::new_bond_columns(&first.old_bond_columns, &first.raw_rank, params.alpha);
    for j in 0..n {
        let gap = closed[j].to_bits().abs_diff(summed[j].to_bits());
        assert!(
            gap <= 2 * n as u128,
            "column {j}: {} vs {}",
            closed[j],
            summed[j]
        );
        assert!(closed[j] > Fixed::from_num(0));
    }
}

proptest! {
    /// `FirstPass::of_rows` is `add_row` row after row, bit for bit: with 64-bit column
    /// sums, and where a sum reaches one (stakes and products drawn near one, so that
    /// columns wrap) or a value does not fit 64 bits, at full width.
    #[test]
    fn first_pass_of_rows_is_add_row_after_row(
        n in 1usize..40,
        seed in proptest::num::u64::ANY,
        large in 0u32..4,
    ) {
        let mut state = seed | 1;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 11
        };
        // `large` 0: small values; 1: near one, so that sums wrap 64 bits; 2: some one;
        // 3: some above one.
        let value = |r: u64| -> Fixed {
            let bits = match (large, r % 8) {
                (0, _) => u128::from(r % (1 << 40)),
                (1, _) => (1u128 << 63) + u128::from(r % (1 << 62)),
                (2, 0) => ONE.to_bits(),
                (3, 0) => ONE.to_bits() + u128::from(r % 1000),
                _ => u128::from(r % (1 << 60)),
            };
            Fixed::from_bits(bits)
        };
        let rows: Vec<(SparseRow, Fixed, SparseRow)> = (0..n)
            .map(|_| {
                // Sorted, each column once (as rows are), values as drawn.
                let mut sparse = || -> SparseRow {
                    let len = (next() % 12) as usize;
                    let mut row: SparseRow = (0..len)
                        .map(|_| ((next() % (n as u64 + 2)) as u16, value(next())))
                        .collect();
                    row.sort_by_key(|(j, _)| *j);
                    row.dedup_by_key(|(j, _)| *j);
                    row
                };
                let (x, previous) = (sparse(), sparse());
                (x, value(next()), previous)
            })
            .collect();
        let mut expected = epoch::FirstPass::new(n);
        for (i, (x, s_i, previous)) in rows.iter().enumerate() {
            expected.add_row(i, x.iter().copied(), *s_i, previous.iter().copied());
        }
        let got = epoch::FirstPass::of_rows(n, |i| {
            let (x, s_i, previous) = &rows[i];
            (x.clone(), *s_i, previous.clone())
        });
        prop_assert_eq!(got, expected);
    }
}

/// A stored bond row keeps at most `MAX_BONDS_PER_ROW` entries: the largest, lower uid
/// first among equals, sorted by uid; smaller rows are only quantised.
#[test]
fn stored_bond_rows_are_bounded_by_their_largest_entries() {
    let row: Vec<(u16, Fixed)> = (0..2_000u16)
        .map(|j| (j, ratio_u128(u128::from(j % 700) + 1, 1_000)))
        .collect();
    let stored = store_bond_row(&row);
    assert_eq!(stored.len(), MAX_BONDS_PER_ROW);
    assert!(stored.windows(2).all(|w| w[0].0 < w[1].0), "sorted by uid");
    let smallest_kept = stored.iter().map(|(_, q)| *q).min().unwrap();
    let dropped: Vec<u64> = row
        .iter()
        .filter(|(j, _)| !stored.iter().any(|(k, _)| k == j))
        .map(|(_, b)| quantize_bond(*b))
        .collect();
    assert_eq!(dropped.len(), 2_000 - MAX_BONDS_PER_ROW);
    assert!(
        dropped.iter().all(|q| *q <= smallest_kept),
        "only the smallest are dropped"
    );
    let small: Vec<(u16, Fixed)> = row.iter().take(10).copied().collect();
    assert_eq!(store_bond_row(&small).len(), 10);
}

proptest::proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `1 / (1 + e)` through one integer division equals the fixed-point division.
    #[test]
    fn sigmoid_reciprocal_is_the_fixed_point_division(e in 0u128..=(1u128 << 64)) {
        let e = Fixed::from_bits(e);
        let expected = crate::fixed::div_or_zero(ONE, crate::fixed::add(ONE, e));
        let x = SignedFixed::from_bits(0);
        prop_assert_eq!(sigmoid(x), HALF);
        // σ(x) for x ≥ 0 is exactly that reciprocal of 1 + e^(−x); check the division
        // itself on every e the series can produce (and the end points).
        let via_sigmoid_path = {
            let bits = crate::fixed::add(ONE, e).to_bits();
            let q = u128::MAX / bits;
            Fixed::from_bits(if bits.is_power_of_two() { q + 1 } else { q })
        };
        prop_assert_eq!(via_sigmoid_path, expected);
    }

    /// The second pass's row is steps 8–10 to within 10⁻¹² of each value (against f64),
    /// and its packed table gives the same row bit for bit.
    #[test]
    fn second_pass_row_is_steps_eight_to_ten(
        n in 1usize..300,
        seed in any::<u64>(),
        alpha in 0u32..=1_000_000_000,
    ) {
        let mut state = seed | 1;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        let value = |x: u64| Fixed::from_bits(u128::from(x) << 30);
        let sparse = |next: &mut dyn FnMut() -> u64, len: usize| -> SparseRow {
            let row: Vec<(u16, Fixed)> =
                (0..len).map(|_| ((next() % (n as u64 + 2)) as u16, value(next() % 4))).collect();
            epoch::merge_duplicates(row, crate::fixed::add)
        };
        let vector = |next: &mut dyn FnMut() -> u64| -> Vec<Fixed> {
            // Zeros, ones and values above one (which the packed table cannot hold) too.
            (0..n)
                .map(|_| match next() % 10 {
                    0 | 1 => Fixed::from_num(0),
                    2 => ONE,
                    3 => Fixed::from_num(3),
                    _ => value(next()),
                })
                .collect()
        };
        let (w_len, b_len) = ((next() % 40) as usize, (next() % 40) as usize);
        let x = sparse(&mut next, w_len);
        let previous = sparse(&mut next, b_len);
        let raw_rank = vector(&mut next);
        let old_columns = vector(&mut next);
        let mut incentive = vector(&mut next);
        // Vectors of different lengths: columns beyond one are read as the vector says.
        if seed % 3 == 0 {
            incentive.truncate(n / 2);
        }
        let alpha = crate::fixed::from_parts_per_billion(alpha);
        let (delta_scale, bond_scale) = epoch::second_pass_scales(&raw_rank, &old_columns, alpha);
        let pass = epoch::SecondPass {
            delta_scale: &delta_scale,
            bond_scale: &bond_scale,
            incentive: &incentive,
        };
        let (stored, dividend) = pass.row(x.iter().copied(), previous.iter().copied());
        prop_assert_eq!(
            pass.table().row(x.iter().copied(), previous.iter().copied()),
            (stored.clone(), dividend)
        );
        // Two packed columns share a cache line.
        prop_assert_eq!(core::mem::size_of::<epoch::Column>(), 32);
        // Steps 8–10 in f64, column by column.
        let at = |v: &[Fixed], j: usize| v.get(j).map(|x| f(*x)).unwrap_or(0.0);
        let a = f(alpha);
        let mut columns: Vec<u16> = x.iter().chain(&previous).map(|(j, _)| *j).collect();
        columns.sort_unstable();
        columns.dedup();
        let (mut expected_dividend, mut expected) = (0.0, Vec::new());
        for j in columns {
            let of = |row: &SparseRow| row.iter().find(|(k, _)| *k == j).map(|(_, v)| f(*v)).unwrap_or(0.0);
            let (x_ij, b_ij) = (of(&x), of(&previous));
            let (r, old) = (at(&raw_rank, j as usize), at(&old_columns, j as usize));
            let delta = if r > 0.0 { x_ij / r } else { 0.0 };
            let bond = if old > 0.0 {
                let c = (1.0 - a) * old + if r > 0.0 { a } else { 0.0 };
                ((1.0 - a) * b_ij + a * delta) / c
            } else {
                delta
            };
            expected_dividend += bond * at(&incentive, j as usize);
            expected.push((j, bond));
        }
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs() + 1e-15;
        prop_assert!(close(f(dividend), expected_dividend), "{} vs {}", f(dividend), expected_dividend);
        for (j, bond) in expected {
            let want = (bond.min(1.0) * 4_294_967_296.0).round();
            let got = stored.iter().find(|(k, _)| *k == j).map(|(_, q)| *q as f64).unwrap_or(0.0);
            prop_assert!((got - want).abs() <= 1.0, "column {}: {} vs {}", j, got, want);
        }
    }

    /// A scale of a value at most one multiplies by it bit for bit (`fixed::mul`), and a
    /// ratio's products are never above the exact ones and at most 2⁻⁶² of them (plus one
    /// unit) below.
    #[test]
    fn scales_multiply_within_their_bound(
        a in proptest::num::u128::ANY,
        v in 0u128..=(1u128 << 64),
        p in 1u64..u64::MAX,
        q in 1u64..u64::MAX,
        x in 0u64..(1u64 << 62),
    ) {
        let value = Fixed::from_bits(v);
        let scale = crate::fixed::Scale::of_value(value);
        prop_assert!(scale.is_exactly(value));
        prop_assert_eq!(scale.apply(Fixed::from_bits(a)), crate::fixed::mul(Fixed::from_bits(a), value));
        prop_assert_eq!(crate::fixed::Scale::from_bits(scale.to_bits()), scale);
        // p / q on a value x: exact ⌊x p / q⌋ in u128 (x p < 2¹²⁶).
        let ratio = crate::fixed::Scale::ratio(Fixed::from_bits(p.into()), Fixed::from_bits(q.into()));
        let exact = u128::from(x) * u128::from(p) / u128::from(q);
        let got = ratio.apply(Fixed::from_bits(x.into())).to_bits();
        prop_assert!(got <= exact, "{} above {}", got, exact);
        prop_assert!(exact - got <= (exact >> 62) + 1, "{} vs {}", got, exact);
        // Two ratios composed: (p / q) (q' / p') with 32-bit terms, exactly in u128.
        let (p2, q2) = (p >> 32 | 1, q >> 32 | 1);
        let (q3, p3) = (q & 0xFFFF_FFFF | 1, p & 0xFFFF_FFFF | 1);
        let composed = crate::fixed::Scale::ratio(Fixed::from_bits(p2.into()), Fixed::from_bits(q2.into()))
            .then(&crate::fixed::Scale::ratio(Fixed::from_bits(q3.into()), Fixed::from_bits(p3.into())));
        let exact = u128::from(x) * u128::from(p2) * u128::from(q3) / (u128::from(q2) * u128::from(p3));
        let got = composed.apply(Fixed::from_bits(x.into())).to_bits();
        prop_assert!(got <= exact, "{} above {}", got, exact);
        prop_assert!(exact - got <= (exact >> 60) + 1, "{} vs {}", got, exact);
    }
}
