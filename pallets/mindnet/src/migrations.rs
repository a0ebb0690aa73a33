//! The pallet's storage migrations.
//!
//! Anything that touches state per neuron or per stake position is a *stepped* migration
//! (`pallet-migrations` runs it over as many blocks as it needs, each step within the
//! block's migration budget), never a single-block `on_runtime_upgrade`: a network of
//! 65,536 neurons must migrate within block limits.

/// Storage version 5: the coldkey index [`ColdkeyPositions`](crate::ColdkeyPositions).
pub mod v5 {
    use crate::{ColdkeyPositions, Config, Pallet, StakePositions};
    use core::marker::PhantomData;
    use frame_support::migrations::{MigrationId, SteppedMigration, SteppedMigrationError};
    use frame_support::traits::{GetStorageVersion, StorageVersion};
    use frame_support::weights::WeightMeter;

    /// The storage version this migration leaves.
    pub const TO: u16 = 5;

    /// Whether the coldkey index is still being built: the on-chain storage version is below
    /// [`TO`] until [`IndexColdkeys`] has indexed every position.
    pub fn building<T: Config>() -> bool {
        Pallet::<T>::on_chain_storage_version() < StorageVersion::new(TO)
    }

    /// Indexes every stake position by its coldkey ([`ColdkeyPositions`]), in key order, as
    /// many positions a step as the weight meter admits (each costs
    /// [`crate::weights::WeightInfo::index_coldkey_position`]); the cursor is the last
    /// position indexed. Positions written meanwhile are indexed by the calls that write
    /// them, so a position the cursor has passed stays indexed. At the end the storage
    /// version becomes 5.
    pub struct IndexColdkeys<T>(PhantomData<T>);

    impl<T: Config> SteppedMigration for IndexColdkeys<T> {
        type Cursor = (u16, T::AccountId, T::AccountId);
        type Identifier = MigrationId<15>;

        fn id() -> Self::Identifier {
            MigrationId {
                pallet_id: *b"mindnet-coldkey",
                version_from: 4,
                version_to: 5,
            }
        }

        fn step(
            mut cursor: Option<Self::Cursor>,
            meter: &mut WeightMeter,
        ) -> Result<Option<Self::Cursor>, SteppedMigrationError> {
            use crate::weights::WeightInfo;
            if !building::<T>() {
                return Ok(None);
            }
            let each = T::WeightInfo::index_coldkey_position();
            if meter.remaining().any_lt(each) {
                return Err(SteppedMigrationError::InsufficientWeight { required: each });
            }
            let mut keys = match &cursor {
                Some(last) => StakePositions::<T>::iter_keys_from(
                    StakePositions::<T>::hashed_key_for(last.clone()),
                ),
                None => StakePositions::<T>::iter_keys(),
            };
            while meter.try_consume(each).is_ok() {
                let Some((netuid, hotkey, coldkey)) = keys.next() else {
                    StorageVersion::new(TO).put::<Pallet<T>>();
                    return Ok(None);
                };
                ColdkeyPositions::<T>::insert((&coldkey, netuid, &hotkey), ());
                cursor = Some((netuid, hotkey, coldkey));
            }
            Ok(cursor)
        }

        #[cfg(feature = "try-runtime")]
        fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
            use codec::Encode;
            Ok((StakePositions::<T>::iter_keys().count() as u64).encode())
        }

        #[cfg(feature = "try-runtime")]
        fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
            use codec::Decode;
            let before = u64::decode(&mut &state[..])
                .map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre_upgrade state"))?;
            frame_support::ensure!(!building::<T>(), "the coldkey index is unfinished");
            frame_support::ensure!(
                ColdkeyPositions::<T>::iter_keys().count() as u64
                    == StakePositions::<T>::iter_keys().count() as u64,
                "the coldkey index and the stake positions differ"
            );
            frame_support::ensure!(
                StakePositions::<T>::iter_keys().count() as u64 == before,
                "positions changed during the migration's checks"
            );
            Ok(())
        }
    }
}
