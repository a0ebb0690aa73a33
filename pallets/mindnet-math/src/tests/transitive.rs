//! Transitive ranking (MECHANISM.md "Transitive ranking") on hand-made graphs: who keeps
//! what, and when the passes stop.

use super::{f, neurons_with};
use crate::epoch::{epsilon, transitive_absorbed, transitive_done, EPSILON};
use crate::fixed::ONE;
use crate::{Fixed, NeuronState};

fn neurons(n: usize) -> Vec<NeuronState> {
    neurons_with(&vec![1; n])
}

#[test]
fn epsilon_is_one_billionth() {
    assert_eq!(EPSILON, epsilon());
}

#[test]
fn a_neuron_that_weights_only_others_keeps_nothing_and_passes_all_on() {
    // 0 → 1 → 2, and 2 keeps everything.
    let weights = [vec![(1u16, 5u16)], vec![(2, 9)], vec![(2, 1)]];
    let stake = [ONE, Fixed::from_num(0), Fixed::from_num(0)];
    let n = transitive_absorbed(&neurons(3), &weights, &stake, 8);
    assert_eq!(n[0], Fixed::from_num(0));
    assert_eq!(n[1], Fixed::from_num(0));
    assert!(f(n[2]) > 1.0 - 1e-15, "{}", n[2]);
}

#[test]
fn a_cabal_that_only_passes_stake_around_absorbs_nothing() {
    // 0 and 1 keep half and give half to each other; 2 and 3 vote only for each other.
    let weights = [
        vec![(0u16, 1u16), (1, 1)],
        vec![(0, 1), (1, 1)],
        vec![(3, 1)],
        vec![(2, 1)],
    ];
    let quarter = crate::fixed::ratio_u128(1, 4);
    let n = transitive_absorbed(&neurons(4), &weights, &[quarter; 4], 8);
    assert_eq!(n[2], Fixed::from_num(0));
    assert_eq!(n[3], Fixed::from_num(0));
    // The honest pair keeps all of its half (1 − 2⁻⁸ of it within 8 passes).
    let kept = f(n[0]) + f(n[1]);
    assert!(
        (kept - 0.5 * (1.0 - 0.5f64.powi(8))).abs() < 1e-12,
        "{kept}"
    );
}

#[test]
fn the_passes_stop_when_nothing_is_in_flight_or_after_the_limit() {
    // Self-weight only: everything is absorbed in the first pass.
    // (Row sums that are powers of two scale exactly.)
    let weights = [vec![(0u16, 1u16)], vec![(1, 4)]];
    let half = crate::fixed::HALF;
    let n = transitive_absorbed(&neurons(2), &weights, &[half, half], 8);
    assert_eq!(n, vec![half, half]);
    // One pass: only what each keeps of its own stake.
    let weights = [vec![(0u16, 1u16), (1, 1)], vec![(0, 1), (1, 1)]];
    let n = transitive_absorbed(&neurons(2), &weights, &[half, half], 1);
    assert_eq!(f(n[0]) + f(n[1]), 0.5);
    assert!(transitive_done(EPSILON / 2, 1, 8));
    assert!(!transitive_done(EPSILON, 1, 8));
    assert!(transitive_done(ONE, 8, 8));
    // Zero passes absorb nothing.
    let n = transitive_absorbed(&neurons(2), &weights, &[half, half], 0);
    assert_eq!(n, vec![Fixed::from_num(0); 2]);
}
