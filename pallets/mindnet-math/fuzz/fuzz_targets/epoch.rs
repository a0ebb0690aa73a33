//! Arbitrary networks through the whole epoch: no panic, every vector normalised or zero,
//! the emission exactly `E` or nothing.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mindnet_math::{epoch, fixed, EpochInput, EpochParams, Fixed, NeuronState};

#[derive(Debug, Arbitrary)]
struct Input {
    block: u64,
    emission: u64,
    rho: u32,
    kappa: u32,
    alpha: u32,
    delta: u32,
    activity_cutoff: u64,
    mask_self_weight: bool,
    cover: u64,
    neurons: Vec<(u128, u64, u64, Vec<(u16, u16)>, Vec<(u16, u64)>)>,
}

fn sum(v: &[Fixed]) -> Fixed {
    v.iter().fold(Fixed::from_num(0), |a, x| a.saturating_add(*x))
}

fn normalised_or_zero(v: &[Fixed], what: &str) {
    let s = sum(v);
    let err = if s > fixed::ONE { s - fixed::ONE } else { fixed::ONE - s };
    assert!(
        s == Fixed::from_num(0) || err <= Fixed::from_num(1e-12),
        "{what} sums to {s}"
    );
}

fuzz_target!(|input: Input| {
    let neurons: Vec<NeuronState> = input
        .neurons
        .iter()
        .take(512)
        .map(|(stake, last_update, registered_at, _, _)| NeuronState {
            stake: *stake,
            last_update: *last_update,
            registered_at: *registered_at,
        })
        .collect();
    let n = neurons.len();
    let weights: Vec<Vec<(u16, u16)>> = input.neurons.iter().take(n).map(|x| x.3.clone()).collect();
    let bonds: Vec<Vec<(u16, u64)>> = input.neurons.iter().take(n).map(|x| x.4.clone()).collect();
    let params = EpochParams {
        rho: Fixed::from_num(input.rho % 1000),
        kappa: fixed::from_parts_per_billion(input.kappa),
        alpha: fixed::from_parts_per_billion(input.alpha),
        delta: fixed::from_parts_per_billion(input.delta),
        activity_cutoff: input.activity_cutoff,
        mask_self_weight: input.mask_self_weight,
        ranking: if input.block % 2 == 1 {
            mindnet_math::epoch::Ranking::Transitive
        } else {
            mindnet_math::epoch::Ranking::Direct
        },
        transitive_iterations: (input.activity_cutoff % 17) as u8,
    };
    let out = epoch(
        &params,
        &EpochInput {
            block: input.block,
            emission: input.emission,
            neurons: &neurons,
            weights: &weights,
            bonds: &bonds,
            bonds_cover_registrations_up_to: input.cover,
        },
    );
    for (v, what) in [
        (&out.stake, "stake"),
        (&out.rank, "rank"),
        (&out.incentive, "incentive"),
        (&out.dividends, "dividends"),
    ] {
        assert_eq!(v.len(), n);
        normalised_or_zero(v, what);
    }
    assert!(out.trust.iter().chain(&out.consensus).all(|x| *x <= fixed::ONE));
    let minted: u128 = out.emission.iter().map(|e| u128::from(*e)).sum();
    assert!(minted == 0 || minted == u128::from(input.emission), "minted {minted}");
    assert_eq!(u128::from(out.minted), minted);
});
