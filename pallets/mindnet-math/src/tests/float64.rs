//! The fixed-point epoch against the f64 reference on random networks, for one epoch
//! and for many with the bonds stored between them; and the invariance under row order
//! and relabelling.

use super::reference::reference;
use super::{f, run, NO_BONDS};
use crate::*;
use proptest::prelude::*;

fn l1(a: &[Fixed], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (f(*x) - y).abs()).sum()
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
    fn transitive_ranking_matches_float64(
        (neurons, weights) in network(2001),
        mask in any::<bool>(),
        iterations in 1u8..12,
    ) {
        let params = EpochParams {
            mask_self_weight: mask,
            activity_cutoff: 15,
            ranking: crate::epoch::Ranking::Transitive,
            transitive_iterations: iterations,
            ..Default::default()
        };
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
