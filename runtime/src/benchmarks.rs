//! The pallets whose benchmarks the runtime exposes.

frame_benchmarking::define_benchmarks!(
    [frame_system, SystemBench::<Runtime>]
    [pallet_balances, Balances]
    [pallet_grandpa, Grandpa]
    [pallet_timestamp, Timestamp]
    [pallet_sudo, Sudo]
    [pallet_mindnet, Mindnet]
    [pallet_migrations, MultiBlockMigrations]
    [pallet_validator_set, ValidatorSet]
);
