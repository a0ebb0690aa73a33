//! Emission: the exact apportionment of `E` (step 12), the loss peg (step 13) and the
//! adaptive block emission (step 14).

use crate::fixed::{ratio_u128, HALF, ONE};
use crate::*;

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
