//! Benchmarked weights of the runtime's FRAME pallets, measured on this runtime by
//! `scripts/bench/benchmark.sh` (`frame_system`, `pallet_timestamp`), and GRANDPA's from its
//! benchmarks (`pallet_grandpa.rs` says how).

pub mod frame_system;
pub mod pallet_grandpa;
pub mod pallet_timestamp;
