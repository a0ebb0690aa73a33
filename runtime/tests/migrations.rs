//! The runtime's stepped migrations run as a runtime upgrade starts them: `pallet-migrations`
//! (wired as `frame_system`'s `MultiBlockMigrator`) works through Mindnet's v5 coldkey index
//! block by block, each block within `MbmServiceWeight`, until every stake position is
//! indexed and the storage version is 5. Prints how many blocks a network's worth of
//! positions takes (`--nocapture`).

use frame_support::migrations::MultiStepMigrator;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use mindnet_runtime::{configs::MbmServiceWeight, Mindnet, MultiBlockMigrations, Runtime, System};
use sp_runtime::AccountId32;

/// A chain of runtime 101: `positions` stake positions (each coldkey behind its own hotkey),
/// no coldkey index, Mindnet at storage version 4.
fn before_the_upgrade(positions: u32) -> sp_io::TestExternalities {
    let mut ext = sp_io::TestExternalities::new(Default::default());
    ext.execute_with(|| {
        System::set_block_number(1);
        for i in 0..positions {
            let key = |tag: u8| {
                let mut k = [tag; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                AccountId32::new(k)
            };
            pallet_mindnet::StakePositions::<Runtime>::insert(
                (0u16, key(1), key(2)),
                pallet_mindnet::StakePosition::default(),
            );
        }
        StorageVersion::new(4).put::<Mindnet>();
    });
    ext
}

/// Runs the upgrade's migrations to the end; the blocks they took.
fn upgrade() -> u32 {
    MultiBlockMigrations::on_runtime_upgrade();
    let mut blocks = 0;
    while MultiBlockMigrations::ongoing() {
        let now = System::block_number() + 1;
        System::set_block_number(now);
        let used = MultiBlockMigrations::step();
        assert!(
            used.all_lte(MbmServiceWeight::get()),
            "block {now} used {used:?}, above the migrations' share of a block"
        );
        blocks += 1;
        assert!(blocks < 1_000, "the migration does not end");
    }
    blocks
}

#[test]
fn the_coldkey_index_is_built_in_steps_after_an_upgrade() {
    for positions in [0u32, 1, 4_096, 20_000, 65_536] {
        before_the_upgrade(positions).execute_with(|| {
            let blocks = upgrade();
            assert_eq!(Mindnet::on_chain_storage_version(), StorageVersion::new(5));
            assert_eq!(
                pallet_mindnet::ColdkeyPositions::<Runtime>::iter_keys().count() as u32,
                positions
            );
            println!("{positions} stake positions indexed in {blocks} blocks");
            if positions >= 20_000 {
                assert!(
                    blocks >= 2,
                    "20,000 positions need more than one block's budget"
                );
            }
        });
    }
}
