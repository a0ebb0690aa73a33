//! The whole epoch on small networks: hand-computed values, empty and zero inputs, the
//! integer limits, stale votes and replaced bonds.

use super::{close, f, neurons_with, run, NO_BONDS};
use crate::fixed::{ratio_u128, HALF, ONE};
use crate::*;

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
