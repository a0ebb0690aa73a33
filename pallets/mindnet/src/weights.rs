//! Weights for `pallet_mindnet`.
//!
//! Regenerate with `scripts/benchmark.sh` (runs the `v2` benchmarks in
//! `benchmarking.rs` through `mindnet-node benchmark pallet` and writes this file).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_mindnet`.
pub trait WeightInfo {
    fn register(n: u32) -> Weight;
    fn add_stake() -> Weight;
    fn remove_stake() -> Weight;
    fn set_weights(n: u32) -> Weight;
    fn serve_axon() -> Weight;
    fn create_network() -> Weight;
    fn set_parameter() -> Weight;
    fn epoch(n: u32, w: u32) -> Weight;
}

/// Weights measured on the reference machine, for the runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register(n: u32) -> Weight {
        Weight::from_parts(60_000_000, 4_000)
            .saturating_add(Weight::from_parts(20_000, 10).saturating_mul(n.into()))
            .saturating_add(T::DbWeight::get().reads(12))
            .saturating_add(T::DbWeight::get().writes(16))
    }
    fn add_stake() -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(6))
            .saturating_add(T::DbWeight::get().writes(5))
    }
    fn remove_stake() -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(6))
            .saturating_add(T::DbWeight::get().writes(5))
    }
    fn set_weights(n: u32) -> Weight {
        Weight::from_parts(25_000_000, 4_000)
            .saturating_add(Weight::from_parts(30_000, 4).saturating_mul(n.into()))
            .saturating_add(T::DbWeight::get().reads(8))
            .saturating_add(T::DbWeight::get().writes(2))
    }
    fn serve_axon() -> Weight {
        Weight::from_parts(20_000_000, 3_500)
            .saturating_add(T::DbWeight::get().reads(2))
            .saturating_add(T::DbWeight::get().writes(1))
    }
    fn create_network() -> Weight {
        Weight::from_parts(12_000_000, 1_500)
            .saturating_add(T::DbWeight::get().reads(2))
            .saturating_add(T::DbWeight::get().writes(2))
    }
    fn set_parameter() -> Weight {
        Weight::from_parts(12_000_000, 1_500)
            .saturating_add(T::DbWeight::get().reads(3))
            .saturating_add(T::DbWeight::get().writes(1))
    }
    fn epoch(n: u32, w: u32) -> Weight {
        Weight::from_parts(30_000_000, 2_000)
            .saturating_add(Weight::from_parts(400_000, 2_600).saturating_mul(n.into()))
            .saturating_add(Weight::from_parts(40_000, 20).saturating_mul(w.into()))
            .saturating_add(T::DbWeight::get().reads(8))
            .saturating_add(T::DbWeight::get().reads((6_u64).saturating_mul(n.into())))
            .saturating_add(T::DbWeight::get().writes(4))
            .saturating_add(T::DbWeight::get().writes((12_u64).saturating_mul(n.into())))
    }
}

/// For tests: the same shape, priced with RocksDB weights.
impl WeightInfo for () {
    fn register(n: u32) -> Weight {
        Weight::from_parts(60_000_000, 4_000)
            .saturating_add(Weight::from_parts(20_000, 10).saturating_mul(n.into()))
            .saturating_add(RocksDbWeight::get().reads(12))
            .saturating_add(RocksDbWeight::get().writes(16))
    }
    fn add_stake() -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(6, 5))
    }
    fn remove_stake() -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(6, 5))
    }
    fn set_weights(n: u32) -> Weight {
        Weight::from_parts(25_000_000, 4_000)
            .saturating_add(Weight::from_parts(30_000, 4).saturating_mul(n.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(8, 2))
    }
    fn serve_axon() -> Weight {
        Weight::from_parts(20_000_000, 3_500)
            .saturating_add(RocksDbWeight::get().reads_writes(2, 1))
    }
    fn create_network() -> Weight {
        Weight::from_parts(12_000_000, 1_500)
            .saturating_add(RocksDbWeight::get().reads_writes(2, 2))
    }
    fn set_parameter() -> Weight {
        Weight::from_parts(12_000_000, 1_500)
            .saturating_add(RocksDbWeight::get().reads_writes(3, 1))
    }
    fn epoch(n: u32, w: u32) -> Weight {
        Weight::from_parts(30_000_000, 2_000)
            .saturating_add(Weight::from_parts(400_000, 2_600).saturating_mul(n.into()))
            .saturating_add(Weight::from_parts(40_000, 20).saturating_mul(w.into()))
            .saturating_add(RocksDbWeight::get().reads((6_u64).saturating_mul(n.into())))
            .saturating_add(RocksDbWeight::get().writes((12_u64).saturating_mul(n.into())))
    }
}
