//! Weights for `pallet_validator_set`.
//!
//! Not yet measured on this runtime: the database accesses are counted from the code
//! (add: `Validators` and the session pallet's `NextKeys` read, `Validators` and `Changed`
//! written; remove: `Validators` read, both written) and each call's compute is bounded
//! by 50 µs, far above what decoding and re-encoding 32 accounts costs.
//! `scripts/benchmark.sh` replaces this file with the benchmarks' measurements.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_validator_set`.
pub trait WeightInfo {
    fn add_validator() -> Weight;
    fn remove_validator() -> Weight;
}

/// Weights for `pallet_validator_set` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn add_validator() -> Weight {
        Weight::from_parts(50_000_000, 2_000)
            .saturating_add(T::DbWeight::get().reads(2_u64))
            .saturating_add(T::DbWeight::get().writes(2_u64))
    }
    fn remove_validator() -> Weight {
        Weight::from_parts(50_000_000, 2_000)
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(2_u64))
    }
}

/// For tests: the same, priced with RocksDB's database weights.
impl WeightInfo for () {
    fn add_validator() -> Weight {
        Weight::from_parts(50_000_000, 2_000)
            .saturating_add(RocksDbWeight::get().reads(2_u64))
            .saturating_add(RocksDbWeight::get().writes(2_u64))
    }
    fn remove_validator() -> Weight {
        Weight::from_parts(50_000_000, 2_000)
            .saturating_add(RocksDbWeight::get().reads(1_u64))
            .saturating_add(RocksDbWeight::get().writes(2_u64))
    }
}
