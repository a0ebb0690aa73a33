//! Fixed-point helpers: zero-guarded division, stake normalisation and a safe sigmoid.
//!
//! Every function here is total: no input panics, overflows or divides by zero.

use crate::{Fixed, SignedFixed};

/// `1.0` in [`Fixed`].
pub const ONE: Fixed = Fixed::from_bits(1u128 << 64);
/// `0.5` in [`Fixed`].
pub const HALF: Fixed = Fixed::from_bits(1u128 << 63);
/// `ln 2` in [`Fixed`] (64 fractional bits, rounded to nearest).
const LN_2: Fixed = Fixed::from_bits(0xB172_17F7_D1CF_79AC);

/// `a / b`, or zero when `b` is zero (or the quotient does not fit).
pub fn div_or_zero(a: Fixed, b: Fixed) -> Fixed {
    if b == Fixed::from_num(0) {
        return Fixed::from_num(0);
    }
    a.checked_div(b).unwrap_or_else(|| Fixed::from_num(0))
}

/// A divisor prepared for many divisions: `div_or_zero(a, d)` bit for bit, through a
/// precomputed reciprocal instead of a 128-bit division per quotient.
///
/// The epoch normalises its vectors (`R`, `I`, `D`) with it: n exact quotients by one
/// sum. A software 128-bit division (and the fixed-point type's 256-bit one) costs tens
/// of native instructions, more in wasm. With `R = ⌊(2¹²⁸ − 1) / d⌋` computed once, `⌊a 2⁶⁴ / d⌋` is estimated as
/// `⌊a R / 2⁶⁴⌋`, which is at most two below the quotient (`a < 2⁶⁴`), then corrected
/// with the remainder: two or three 64 × 64-bit multiplies and the same truncated result.
/// Anything outside that range (`a ≥ 1`, a zero divisor) takes [`div_or_zero`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divisor {
    d: u128,
    reciprocal: u128,
}

impl Divisor {
    /// Prepares `d` (one 128-bit division).
    pub fn new(d: Fixed) -> Self {
        let d = d.to_bits();
        Self {
            d,
            reciprocal: u128::MAX.checked_div(d).unwrap_or(0),
        }
    }

    /// A divisor from `d` and the [`Self::reciprocal`] stored for it. A reciprocal that
    /// does not belong to `d` gives slower divisions, never different quotients.
    pub fn from_parts(d: Fixed, reciprocal: u128) -> Self {
        Self {
            d: d.to_bits(),
            reciprocal,
        }
    }

    /// The divisor.
    pub fn value(&self) -> Fixed {
        Fixed::from_bits(self.d)
    }

    /// `⌊(2¹²⁸ − 1) / d⌋` (zero for a zero divisor).
    pub fn reciprocal(&self) -> u128 {
        self.reciprocal
    }

    /// `a / d`, exactly as [`div_or_zero`] computes it.
    #[inline]
    pub fn div(&self, a: Fixed) -> Fixed {
        // Dividing by one (every bond column that had no bonds before) is exact.
        if self.d == ONE.to_bits() {
            return a;
        }
        self.quotient(a)
            .map(Fixed::from_bits)
            .unwrap_or_else(|| div_or_zero(a, self.value()))
    }

    /// `⌊a 2⁶⁴ / d⌋` for `a < 2⁶⁴` and `d > 0`; `None` outside that range or when the
    /// estimate does not settle in two corrections (a foreign reciprocal).
    #[inline]
    fn quotient(&self, a: Fixed) -> Option<u128> {
        let a = u64::try_from(a.to_bits()).ok()?;
        if self.d == 0 {
            return None;
        }
        let numerator = u128::from(a) << 64;
        // R < 2¹²⁸: both halves fit 64 bits, so each product below is one native
        // 64 × 64 → 128-bit multiply and their sum, at most (2⁶⁴ − 1)² + 2⁶⁴ − 1, fits.
        let (high, low) = (
            u128::from(u64::try_from(self.reciprocal >> 64).ok()?),
            u128::from(self.reciprocal as u64),
        );
        let a = u128::from(a);
        // ⌊a R / 2⁶⁴⌋ = a R_high + ⌊a R_low / 2⁶⁴⌋.
        let q = a.wrapping_mul(high).wrapping_add(a.wrapping_mul(low) >> 64);
        let product = match (u64::try_from(q), u64::try_from(self.d)) {
            (Ok(q), Ok(d)) => u128::from(q).wrapping_mul(u128::from(d)),
            _ => q.checked_mul(self.d)?,
        };
        let remainder = numerator.checked_sub(product)?;
        // The estimate is at most two short: the quotient is the estimate plus how many
        // times `d` still fits in the remainder. Counted by comparisons, not branches:
        // the count varies from one quotient to the next, and a mispredicted branch
        // costs more than the arithmetic.
        let twice = self.d.checked_add(self.d)?;
        if remainder >= twice.checked_add(self.d)? {
            return None;
        }
        Some(
            q.wrapping_add(u128::from(remainder >= self.d))
                .wrapping_add(u128::from(remainder >= twice)),
        )
    }
}

/// A multiplier prepared for many products: `a ↦ ⌊a m / 2^e⌋` on a value's bits, with a
/// 64-bit mantissa `m` (`2⁶³ ≤ m < 2⁶⁴`, or zero) and a shift `e < 128`.
///
/// The epoch's second pass turns every weight product and every previous bond into a
/// bond of `B'` with one such multiplier per column ([`Scale::ratio`] of the column's
/// parameters), so each entry costs two 64 × 64-bit products and no division. A ratio
/// `p / q` is held to 64 significant bits: `⌊a m / 2^e⌋` is never above `a p / q`, and
/// below it by at most `2⁻⁶²` of it plus one unit in the last place (`2⁻⁶⁴`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scale {
    pub(crate) m: u64,
    pub(crate) e: u8,
}

impl Scale {
    /// Multiplies by zero.
    pub const ZERO: Self = Self { m: 0, e: 0 };

    /// The ratio `p / q` of two values (zero when either is zero; the largest scale,
    /// `2⁶⁴`, when the ratio is larger).
    pub fn ratio(p: Fixed, q: Fixed) -> Self {
        let (p, q) = (p.to_bits(), q.to_bits());
        if p == 0 || q == 0 {
            return Self::ZERO;
        }
        // Each as 64 significant bits `v · 2^shift` (`2⁶³ ≤ v < 2⁶⁴`, truncated).
        let top = |x: u128| -> (u128, i32) {
            let bits = 128i32.saturating_sub(x.leading_zeros() as i32);
            let shift = bits.saturating_sub(64);
            let v = if shift >= 0 {
                x.wrapping_shr(shift.unsigned_abs())
            } else {
                x.wrapping_shl(shift.unsigned_abs())
            };
            (v, shift)
        };
        let ((p_top, p_shift), (q_top, q_shift)) = (top(p), top(q));
        // ⌊p_top 2⁶⁴ / q_top⌋ lies in (2⁶³, 2⁶⁵): keep 64 bits of it.
        let mut quotient = (p_top << 64).checked_div(q_top).unwrap_or(0);
        let mut e = 64i32.saturating_sub(p_shift.saturating_sub(q_shift));
        if quotient >> 64 != 0 {
            quotient >>= 1;
            e = e.saturating_sub(1);
        }
        match (u64::try_from(quotient), u8::try_from(e)) {
            (Ok(m), Ok(e)) if e < 128 => Self { m, e },
            // Below 2⁻⁶⁴ of any value: every product is zero.
            (Ok(_), Ok(_)) => Self::ZERO,
            // Above 2⁶⁴ (p / q > 2⁶⁴): the largest scale.
            _ => Self { m: u64::MAX, e: 0 },
        }
    }

    /// This scale, then `other`: their product, held to 64 significant bits (a further
    /// `2⁻⁶³` of relative error). No division.
    pub fn then(&self, other: &Self) -> Self {
        let m = u128::from(self.m).wrapping_mul(u128::from(other.m));
        if m == 0 {
            return Self::ZERO;
        }
        // m lies in [2¹²⁶, 2¹²⁸): keep its top 64 bits.
        let drop = 64u32.saturating_sub(m.leading_zeros());
        let e = i32::from(self.e)
            .saturating_add(i32::from(other.e))
            .saturating_sub(drop as i32);
        match (u64::try_from(m.wrapping_shr(drop)), u8::try_from(e)) {
            (Ok(m), Ok(e)) if e < 128 => Self { m, e },
            (Ok(_), Ok(_)) => Self::ZERO,
            _ => Self { m: u64::MAX, e: 0 },
        }
    }

    /// The scale that multiplies by the value `v` itself, exactly for `v ≤ 1`.
    pub fn of_value(v: Fixed) -> Self {
        Self::ratio(v, ONE)
    }

    /// Whether [`Self::apply`] computes `mul(a, v)` bit for bit for every `a`: `v` is at
    /// most one, so its bits fit the mantissa unrounded.
    pub fn is_exactly(&self, v: Fixed) -> bool {
        v <= ONE && *self == Self::of_value(v)
    }

    /// `⌊a m / 2^e⌋`, saturating at [`Fixed::MAX`].
    #[inline(always)]
    pub fn apply(&self, a: Fixed) -> Fixed {
        let a = a.to_bits();
        let m = u128::from(self.m);
        let e = u32::from(self.e);
        match u64::try_from(a) {
            // a < 2⁶⁴: one native 64 × 64 → 128-bit product.
            Ok(a) => Fixed::from_bits(u128::from(a).wrapping_mul(m).wrapping_shr(e)),
            Err(_) => {
                // a m = high · 2⁶⁴ + low, 192 bits: shifted in two halves.
                let high = (a >> 64).wrapping_mul(m);
                let low = (a & u128::from(u64::MAX)).wrapping_mul(m);
                let bits = if e >= 64 {
                    high.checked_add(low >> 64)
                        .map_or(u128::MAX, |sum| sum.wrapping_shr(e.saturating_sub(64)))
                } else if high.leading_zeros() >= 64u32.saturating_sub(e) {
                    high.wrapping_shl(64u32.saturating_sub(e))
                        .saturating_add(low.wrapping_shr(e))
                } else {
                    u128::MAX
                };
                Fixed::from_bits(bits)
            }
        }
    }

    /// The scale as one integer, for storage: the mantissa in the low 64 bits, the shift
    /// above them.
    pub fn to_bits(&self) -> u128 {
        u128::from(self.m) | (u128::from(self.e) << 64)
    }

    /// A scale from [`Self::to_bits`].
    pub fn from_bits(bits: u128) -> Self {
        let e = u8::try_from(bits >> 64).unwrap_or(u8::MAX).min(127);
        Self { m: bits as u64, e }
    }
}

/// `a · b`, saturating at [`Fixed::MAX`].
///
/// Values below one (every share, weight, bond and stake fraction) have at most 64
/// significant bits, so their product is one native 64 × 64 → 128-bit multiply; anything
/// larger takes the general 128 × 128-bit path. Both truncate, so the result is the same
/// bit for bit.
#[inline]
pub fn mul(a: Fixed, b: Fixed) -> Fixed {
    match (u64::try_from(a.to_bits()), u64::try_from(b.to_bits())) {
        (Ok(x), Ok(y)) => Fixed::from_bits(u128::from(x).wrapping_mul(u128::from(y)) >> 64),
        _ => a.saturating_mul(b),
    }
}

/// `a + b`, saturating at [`Fixed::MAX`].
pub fn add(a: Fixed, b: Fixed) -> Fixed {
    a.saturating_add(b)
}

/// `a − b`, saturating at zero.
pub fn sub(a: Fixed, b: Fixed) -> Fixed {
    a.saturating_sub(b)
}

/// The exact fraction `part / whole` of two integers, for `part ≤ whole`, as a [`Fixed`].
///
/// Works for the full `u128` range: when `whole` needs more than 64 bits both are shifted
/// right first, which costs at most `2⁻⁶³` of absolute precision. `whole = 0` gives zero.
pub fn ratio_u128(part: u128, whole: u128) -> Fixed {
    if whole == 0 {
        return Fixed::from_num(0);
    }
    let part = part.min(whole);
    let bits = 128u32.saturating_sub(whole.leading_zeros());
    let shift = bits.saturating_sub(64);
    let (p, w) = (part >> shift, whole >> shift);
    if w == 0 {
        return Fixed::from_num(0);
    }
    // p ≤ w < 2⁶⁴, so p << 64 fits in u128.
    let q = (p << 64).checked_div(w).unwrap_or(0);
    Fixed::from_bits(q)
}

/// Normalises a vector in place so that it sums to one; a zero vector stays zero.
///
/// Each entry is divided by the sum (through one [`Divisor`]), so the result sums to
/// one within `n · 2⁻⁶⁴`.
pub fn normalize(values: &mut [Fixed]) {
    let sum = values
        .iter()
        .fold(Fixed::from_num(0), |acc, v| add(acc, *v));
    if sum == Fixed::from_num(0) {
        return;
    }
    let sum = Divisor::new(sum);
    for v in values.iter_mut() {
        *v = sum.div(*v);
    }
}

/// `e^(−y)` for `y ≥ 0`, accurate to about `10⁻¹⁸`.
///
/// Range reduction `y = k ln 2 + r`, `0 ≤ r < ln 2`, then a Taylor series for `e^(−r)`
/// (alternating, so each partial sum brackets the value) and a shift by `k`.
pub fn exp_neg(y: Fixed) -> Fixed {
    let k = div_or_zero(y, LN_2).saturating_to_num::<u64>();
    if k >= 64 {
        return Fixed::from_num(0);
    }
    let r = sub(y, mul(LN_2, Fixed::from_num(k)));
    // e^(−r) = Σ (−r)^m / m!, r < 0.7: 24 terms take the error below 2⁻⁶⁴.
    let mut term = ONE;
    let mut pos = ONE;
    let mut neg = Fixed::from_num(0);
    for m in 1u32..24 {
        // Dividing by the integer m is dividing the bits by m (both truncate).
        // Both are below one, so the product's bits fit 64 and a native division does.
        let bits = mul(term, r).to_bits();
        term = Fixed::from_bits(match u64::try_from(bits) {
            Ok(b) => u128::from(b.checked_div(u64::from(m)).unwrap_or(0)),
            Err(_) => bits.checked_div(u128::from(m)).unwrap_or(0),
        });
        if m % 2 == 1 {
            neg = add(neg, term);
        } else {
            pos = add(pos, term);
        }
    }
    let e_neg_r = sub(pos, neg);
    Fixed::from_bits(e_neg_r.to_bits() >> k)
}

/// `1 / (1 + e)` for `e ∈ [0, 1]`: `div_or_zero(ONE, add(ONE, e))` bit for bit, with one
/// 128-bit integer division instead of the fixed-point type's wider one.
fn reciprocal_of_one_plus(e: Fixed) -> Fixed {
    let x = add(ONE, e).to_bits();
    if e > ONE || x == 0 {
        return div_or_zero(ONE, add(ONE, e));
    }
    // The quotient's bits are ⌊2¹²⁸ / x⌋, which is ⌊(2¹²⁸ − 1) / x⌋ unless x divides 2¹²⁸.
    let q = u128::MAX.checked_div(x).unwrap_or(0);
    Fixed::from_bits(if x.is_power_of_two() {
        q.saturating_add(1)
    } else {
        q
    })
}

/// The logistic function `σ(x) = 1 / (1 + e^(−x))`, for any signed `x`.
///
/// For `x ≥ 0` this evaluates `1 / (1 + e^(−x))`; for `x < 0` it uses `σ(x) = 1 − σ(−x)`,
/// so only `e^(−|x|) ∈ (0, 1]` is ever computed and nothing can overflow.
pub fn sigmoid(x: SignedFixed) -> Fixed {
    let magnitude = Fixed::from_bits(x.to_bits().unsigned_abs());
    let upper = reciprocal_of_one_plus(exp_neg(magnitude));
    if x < SignedFixed::from_num(0) {
        sub(ONE, upper)
    } else {
        upper
    }
}

/// `ρ (T − κ)` as a signed fixed-point number, saturating at the type's range.
pub fn steepness_times_offset(rho: Fixed, trust: Fixed, kappa: Fixed) -> SignedFixed {
    let below = trust < kappa;
    let distance = if below {
        sub(kappa, trust)
    } else {
        sub(trust, kappa)
    };
    let scaled = mul(rho, distance);
    // Values ≥ 2⁶³ do not fit the signed type: clamp (σ is 0 or 1 there anyway).
    let signed = SignedFixed::from_bits(i128::try_from(scaled.to_bits()).unwrap_or(i128::MAX));
    if below {
        signed.saturating_neg()
    } else {
        signed
    }
}

/// Converts a value in `[0, 1]` to parts per billion, rounding down.
pub fn to_parts_per_billion(v: Fixed) -> u32 {
    mul(v.min(ONE), Fixed::from_num(1_000_000_000u32)).saturating_to_num::<u32>()
}

/// A fraction from parts per billion (`1_000_000_000` is one).
pub fn from_parts_per_billion(ppb: u32) -> Fixed {
    ratio_u128(u128::from(ppb), 1_000_000_000)
}
