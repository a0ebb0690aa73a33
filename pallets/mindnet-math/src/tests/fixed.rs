//! Fixed-point arithmetic: the sigmoid, the fast multiply, reciprocal and integer
//! division, and the per-column scales.

use super::{close, f};
use crate::fixed::{sigmoid, HALF, ONE};
use crate::*;
use proptest::prelude::*;

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

proptest! {
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
