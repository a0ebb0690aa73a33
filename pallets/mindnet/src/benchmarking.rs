//! Benchmarks of every call and of the epoch (FRAME v2 syntax).

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::UniqueSaturatedFrom;

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
    let who: T::AccountId = account(name, index, SEED);
    let amount = BalanceOf::<T>::unique_saturated_from(1_000_000_000_000_000u128);
    let _ = T::Currency::set_balance(&who, amount);
    who
}

/// A hotkey (the `index`th) and its consent to be registered on `netuid` by `coldkey`.
fn consenting<T: Config>(
    index: u32,
    netuid: u16,
    coldkey: &T::AccountId,
) -> (T::AccountId, T::Signature) {
    let payload = Pallet::<T>::registration_payload(netuid, coldkey, u64::MAX);
    T::BenchmarkHelper::hotkey_consent(index, &payload)
}

/// Fills network 0 with `n` neurons registered at block 0, each with stake.
fn fill<T: Config>(n: u16) -> Vec<(T::AccountId, T::AccountId)> {
    let mut keys = Vec::new();
    for uid in 0..n {
        let coldkey = funded::<T>("cold", u32::from(uid));
        // Set-up only: the consent is what `register`'s own benchmark measures.
        let hotkey: T::AccountId = account("hot", u32::from(uid), SEED);
        Pallet::<T>::register_consented(coldkey.clone(), 0, hotkey.clone(), None).expect("funded");
        Pallet::<T>::do_add_stake(
            coldkey.clone(),
            0,
            hotkey.clone(),
            BalanceOf::<T>::unique_saturated_from(2_000_000_000u64),
        )
        .expect("funded");
        keys.push((coldkey, hotkey));
    }
    keys
}

fn ensure_network<T: Config>() {
    if !Pallet::<T>::network_exists(0) {
        Pallet::<T>::do_create_network(0).expect("room for network 0");
    }
    RegistrationFee::<T>::insert(0, BalanceOf::<T>::unique_saturated_from(1_000_000_000u64));
    ImmunityPeriod::<T>::insert(0, 0);
    WeightsSetRateLimit::<T>::insert(0, 0);
}

#[benchmarks]
mod benchmarks {
    use super::*;

    /// Registration into a full network of `n` neurons: the replacement scan reads every uid.
    #[benchmark]
    fn register(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        let n = u16::try_from(n).unwrap_or(u16::MAX);
        MaxAllowedUids::<T>::insert(0, n);
        fill::<T>(n);
        let coldkey = funded::<T>("newcold", 0);
        let (hotkey, signature) = consenting::<T>(u32::MAX, 0, &coldkey);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(coldkey),
            0,
            hotkey.clone(),
            u64::MAX,
            signature,
        );
        assert!(Uids::<T>::contains_key(0, &hotkey));
    }

    #[benchmark]
    fn add_stake() {
        ensure_network::<T>();
        let (_, hotkey) = fill::<T>(1).remove(0);
        let coldkey = funded::<T>("staker", 0);
        let amount = BalanceOf::<T>::unique_saturated_from(1_000_000_000u64);
        // The worst case: an earlier period's joining stake is merged and claimed first.
        Pallet::<T>::do_add_stake(coldkey.clone(), 0, hotkey.clone(), amount).expect("funded");
        EpochIndex::<T>::insert(0, 1);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(coldkey.clone()),
            0,
            hotkey.clone(),
            amount,
        );
        assert_eq!(Pallet::<T>::stake_of(0, &hotkey, &coldkey), amount + amount);
    }

    #[benchmark]
    fn remove_stake() {
        ensure_network::<T>();
        let (coldkey, hotkey) = fill::<T>(1).remove(0);
        let amount = BalanceOf::<T>::unique_saturated_from(1_000_000_000u64);
        // The worst case: joining stake is merged and claimed, then shares are burned.
        EpochIndex::<T>::insert(0, 1);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(coldkey.clone()),
            0,
            hotkey.clone(),
            amount,
        );
        assert_eq!(Pallet::<T>::stake_of(0, &hotkey, &coldkey), amount);
    }

    #[benchmark]
    fn set_weights(n: Linear<1, { T::MaxWeightsPerRow::get() }>) {
        ensure_network::<T>();
        let count = u16::try_from(n).unwrap_or(u16::MAX);
        MaxWeightsPerRow::<T>::insert(0, count);
        let keys = fill::<T>(count);
        let uids: Vec<u16> = (0..count).collect();
        let values = vec![1u16; uids.len()];
        // The worst case: the row's change from the stored one is checked.
        MaxWeightChange::<T>::insert(0, MAX_WEIGHT_CHANGE_LIMIT - 1);
        Weights::<T>::insert(0, 0, BoundedVec::truncate_from(vec![(0u16, 1u16)]));
        #[extrinsic_call]
        _(RawOrigin::Signed(keys[0].1.clone()), 0, uids, values, 0);
        assert_eq!(Weights::<T>::get(0, 0).len(), usize::from(count));
    }

    #[benchmark]
    fn serve_axon() {
        ensure_network::<T>();
        let (_, hotkey) = fill::<T>(1).remove(0);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(hotkey.clone()),
            0,
            0x2606_4700_4700_0000_0000_0000_0000_1111,
            8091,
            6,
            0,
        );
        assert!(Axons::<T>::contains_key(0, &hotkey));
    }

    #[benchmark]
    fn set_take() {
        ensure_network::<T>();
        let (coldkey, hotkey) = fill::<T>(1).remove(0);
        let take = Perbill::from_percent(10);
        #[extrinsic_call]
        _(RawOrigin::Signed(coldkey), hotkey.clone(), take);
        assert_eq!(Take::<T>::get(&hotkey), take);
    }

    #[benchmark]
    fn create_network() {
        #[extrinsic_call]
        _(RawOrigin::Root, 1);
        assert!(Pallet::<T>::network_exists(1));
    }

    #[benchmark]
    fn set_parameter() {
        ensure_network::<T>();
        #[extrinsic_call]
        _(RawOrigin::Root, 0, NetworkParameter::MinAllowedWeights(1));
        assert_eq!(MinAllowedWeights::<T>::get(0), 1);
    }

    /// One epoch over `n` neurons holding `w` weight entries in all (spread evenly).
    #[benchmark]
    fn epoch(n: Linear<1, { T::MaxNeurons::get() }>, w: Linear<0, { T::MaxNeurons::get() * 16 }>) {
        ensure_network::<T>();
        let count = u16::try_from(n).unwrap_or(u16::MAX);
        fill::<T>(count);
        // Every neuron's stake has joined and counts; its pool merges on credit.
        EpochIndex::<T>::insert(0, 1);
        let per_row = (w / n).min(n).min(T::MaxWeightsPerRow::get());
        for uid in 0..count {
            let row: Vec<(u16, u16)> = (0..per_row)
                .map(|k| ((u32::from(uid) + k) % n) as u16)
                .map(|j| (j, 1 + j))
                .collect::<alloc::collections::BTreeMap<_, _>>()
                .into_iter()
                .collect();
            Weights::<T>::insert(0, uid, BoundedVec::truncate_from(row));
            LastUpdate::<T>::insert(0, uid, 1);
        }
        #[block]
        {
            Pallet::<T>::run_epoch(0, 10);
        }
        assert!(LastEpochBlock::<T>::get(0) == Some(10));
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
