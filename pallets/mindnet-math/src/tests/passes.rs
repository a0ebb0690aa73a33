//! The passes over the rows: the first pass's column sums, the mixed bonds' closed-form
//! column sums, the second pass's row and packed table, and the stored bond rows.

use super::{f, neurons_with};
use crate::fixed::{ratio_u128, ONE};
use crate::*;
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

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
}
