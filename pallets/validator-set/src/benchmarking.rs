//! Benchmarks of the calls at their worst case: a set one short of `MaxValidators` (add)
//! and a full set, every member with session keys, whose last member leaves (remove: the
//! longest search, and a key lookup for each member that stays); a purge by a member of a
//! full keyed set (purge).

#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use super::*;
use codec::Decode;
use frame_benchmarking::v2::*;
use frame_support::{traits::EnsureOrigin, BoundedVec};
use sp_runtime::traits::TrailingZeroInput;

/// `who` with session keys registered (all-zero public keys: the calls only check that
/// keys exist).
fn with_keys<T>(who: &T::AccountId)
where
    T: Config + pallet_session::Config<ValidatorId = <T as frame_system::Config>::AccountId>,
{
    let keys =
        <T as pallet_session::Config>::Keys::decode(&mut TrailingZeroInput::zeroes()).unwrap();
    pallet_session::NextKeys::<T>::insert(who, keys);
}

fn set_of<T: Config>(n: u32) -> BoundedVec<T::AccountId, T::MaxValidators> {
    (0..n)
        .map(|i| account::<T::AccountId>("validator", i, 0))
        .collect::<alloc::vec::Vec<_>>()
        .try_into()
        .unwrap()
}

#[benchmarks(
    where T: pallet_session::Config<ValidatorId = <T as frame_system::Config>::AccountId>
)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn add_validator() {
        let max = T::MaxValidators::get();
        Validators::<T>::put(set_of::<T>(max - 1));
        let who: T::AccountId = account("joining", 0, 0);
        with_keys::<T>(&who);
        let origin = T::AddRemoveOrigin::try_successful_origin().unwrap();

        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());

        assert!(Validators::<T>::get().contains(&who));
    }

    #[benchmark]
    fn remove_validator() {
        let max = T::MaxValidators::get();
        let set = set_of::<T>(max);
        for member in set.iter() {
            with_keys::<T>(member);
        }
        let who = set.last().cloned().unwrap();
        Validators::<T>::put(set);
        let origin = T::AddRemoveOrigin::try_successful_origin().unwrap();

        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());

        assert!(!Validators::<T>::get().contains(&who));
    }

    /// A rotation that hands over a changed set of `v` validators, each with keys.
    #[benchmark]
    fn rotate_session(v: Linear<1, { T::MaxValidators::get() }>) {
        let set = set_of::<T>(v);
        for member in set.iter() {
            with_keys::<T>(member);
        }
        Validators::<T>::put(set);
        Changed::<T>::put(true);
        #[block]
        {
            pallet_session::Pallet::<T>::rotate_session();
        }
        assert!(!Changed::<T>::get());
    }

    /// A purge by a member of a full set (also the active and the queued set) in which
    /// every member has keys: the check reads every member's keys three times.
    #[benchmark]
    fn purge_keys() {
        let max = T::MaxValidators::get();
        let set = set_of::<T>(max);
        for member in set.iter() {
            with_keys::<T>(member);
        }
        let keys =
            <T as pallet_session::Config>::Keys::decode(&mut TrailingZeroInput::zeroes()).unwrap();
        let who = set.last().cloned().unwrap();
        pallet_session::Validators::<T>::put(set.to_vec());
        pallet_session::QueuedKeys::<T>::put(
            set.iter()
                .map(|v| (v.clone(), keys.clone()))
                .collect::<alloc::vec::Vec<_>>(),
        );
        Validators::<T>::put(set);
        // Registered keys hold a consumer reference on the account.
        frame_system::Pallet::<T>::inc_providers(&who);
        frame_system::Pallet::<T>::inc_consumers(&who).unwrap();

        #[extrinsic_call]
        _(frame_system::RawOrigin::Signed(who.clone()));

        assert!(pallet_session::NextKeys::<T>::get(&who).is_none());
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
