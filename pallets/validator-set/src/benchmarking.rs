//! Benchmarks of the calls at their worst case: a set one short of `MaxValidators` (add)
//! and a full set, every member with session keys, whose last member leaves (remove: the
//! longest search, and a key lookup for each member that stays).

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

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
