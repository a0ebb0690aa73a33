//! Weights for `pallet_grandpa` on this runtime.
//!
//! pallet-grandpa's benchmarks (`check_equivocation_proof`, `note_stalled`) do not match its
//! `WeightInfo` trait one to one, so the CLI cannot write this file; it is assembled from
//! their results by `scripts/bench/benchmark.sh` with `scripts/templates/grandpa-weights.hbs`:
//!
//! * `note_stalled` (root only) is the benchmark of the same name.
//! * `report_equivocation` cannot be submitted on this chain (its key-ownership proof type
//!   is `Void`, so no such call decodes); it is charged the measured signature check of
//!   an equivocation proof plus the membership and offence costs of the upstream formula.
//!
//! DATE: 2026-12-02, STEPS: `8`, REPEAT: `2`, HOSTNAME: `vm`

#![cfg_attr(rustfmt, rustfmt_skip)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::WEIGHT_REF_TIME_PER_NANOS, Weight},
};

/// Measured ref-time of `check_equivocation_proof`, picoseconds.
const CHECK_EQUIVOCATION_PROOF: u64 = 67_534_783;
/// Measured ref-time of `note_stalled`, picoseconds.
const NOTE_STALLED: u64 = 3_025_000;

/// Weight functions for `pallet_grandpa`.
pub struct WeightInfo<T>(PhantomData<T>);
impl<T: frame_system::Config> pallet_grandpa::WeightInfo for WeightInfo<T> {
    fn report_equivocation(validator_count: u32, max_nominators_per_validator: u32) -> Weight {
        let validators = u64::from(validator_count.max(100));
        let nominators = u64::from(max_nominators_per_validator);
        // Membership proof: 35 µs + 175 ns per validator, 5 reads.
        Weight::from_parts(35_000_000, 0)
            .saturating_add(
                Weight::from_parts(175u64.saturating_mul(WEIGHT_REF_TIME_PER_NANOS), 0)
                    .saturating_mul(validators),
            )
            .saturating_add(T::DbWeight::get().reads(5))
            .saturating_add(Weight::from_parts(CHECK_EQUIVOCATION_PROOF, 0))
            // Reporting the offence: 110 µs + 25 µs per nominator.
            .saturating_add(Weight::from_parts(110_000_000, 0))
            .saturating_add(Weight::from_parts(
                25_000_000u64.saturating_mul(nominators),
                0,
            ))
            .saturating_add(
                T::DbWeight::get().reads(16u64.saturating_add(nominators.saturating_mul(3))),
            )
            .saturating_add(
                T::DbWeight::get().writes(10u64.saturating_add(nominators.saturating_mul(3))),
            )            // The validator set's handling: disabling and removing the offender.
            .saturating_add(pallet_validator_set::offences::on_offence_weight::<T>(
                1,
                crate::configs::MAX_VALIDATORS,
            ))
    }

    fn note_stalled() -> Weight {
        Weight::from_parts(NOTE_STALLED, 0).saturating_add(T::DbWeight::get().writes(1))
    }
}
