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
use sp_runtime::traits::{UniqueSaturatedFrom, Zero};

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
    T::BenchmarkHelper::hotkey_consent(index, &mindnet_math::consent::wrap(&payload))
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

/// An epoch of network 0 over `n` neurons, running and still needing every uid: the
/// worst case for calls, which then copy the uid's inputs first.
fn running_epoch<T: Config>(n: u32) {
    Pallet::<T>::start_epoch(0, 10);
    RunningEpochs::<T>::mutate(0, |run| {
        if let Some(run) = run {
            run.neurons = n;
        }
    });
}

/// Every epoch vector of network 0 filled with `n` entries of one half (the second
/// pass's scales with a scale of one half).
fn fill_vectors<T: Config>(n: u32) {
    let half = 1u128 << 63;
    let scale =
        mindnet_math::fixed::Scale::of_value(mindnet_math::Fixed::from_bits(half)).to_bits();
    for kind in ALL_VECTORS {
        let value = match kind {
            VectorKind::DeltaScale | VectorKind::BondScale => scale,
            _ => half,
        };
        let v: Vec<u128> = (0..n).map(|_| value).collect();
        EpochVectors::<T>::insert(0, kind, BoundedVec::truncate_from(v));
    }
}

const ALL_VECTORS: [VectorKind; 13] = [
    VectorKind::Stake,
    VectorKind::LastUpdate,
    VectorKind::RegisteredAt,
    VectorKind::RawRank,
    VectorKind::DeltaScale,
    VectorKind::Trust,
    VectorKind::OldBondColumns,
    VectorKind::Consensus,
    VectorKind::Rank,
    VectorKind::Incentive,
    VectorKind::BondScale,
    VectorKind::Dividends,
    VectorKind::Emission,
];

/// A running epoch of network 0 at `phase` over `n` neurons, with every vector loaded.
fn loaded_epoch<T: Config>(n: u32, phase: EpochPhase) -> (EpochRun, crate::epoch::Vectors) {
    running_epoch::<T>(n);
    fill_vectors::<T>(n);
    let mut run = RunningEpochs::<T>::get(0).expect("just started");
    run.phase = phase;
    let mut v = crate::epoch::Vectors::new(0, n as usize);
    for kind in ALL_VECTORS {
        let _ = v.get::<T>(kind);
    }
    (run, v)
}

/// A running epoch at `phase` whose row 0 has `w` weight entries and `b` stored bonds,
/// every uid registered before the row's last update.
fn row_epoch<T: Config>(w: u32, b: u32, phase: EpochPhase) -> (EpochRun, crate::epoch::Vectors) {
    ensure_network::<T>();
    let n = w.max(b) + 1;
    let (mut run, mut v) = loaded_epoch::<T>(n, phase);
    run.cover = 1;
    for (kind, value) in [(VectorKind::RegisteredAt, 0), (VectorKind::LastUpdate, 5)] {
        for x in v.get_mut::<T>(kind).iter_mut() {
            *x = mindnet_math::Fixed::from_bits(value);
        }
    }
    let weights: Vec<(u16, u16)> = (0..w).map(|j| (j as u16, 1 + j as u16)).collect();
    Weights::<T>::insert(0, 0, BoundedVec::truncate_from(weights));
    let bonds: Vec<(u16, u64)> = (0..b)
        .map(|j| ((n - 1 - j) as u16, 1u64 << 20))
        .collect::<alloc::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    Bonds::<T>::insert(
        0,
        0,
        BoundedVec::truncate_from(alloc::vec![BoundedVec::truncate_from(bonds)]),
    );
    // The per-block caches (registration blocks, scales, copied uids) are built once per
    // block and charged with the phase's vectors, and a page of bonds is loaded once for
    // its 16 rows and charged as `epoch_bond_page`: a row is measured with them in place.
    v.warm_caches::<T>();
    v.load_bond_page::<T>(phase, 0);
    (run, v)
}

/// A running epoch at `Credit` over `k` neurons with emission to credit; when `copied`,
/// every uid's inputs are copied and its pool has joining stake to merge (staked in period
/// 1, credited in period 2), otherwise neither.
fn credit_setup<T: Config>(k: u32, copied: bool) -> (EpochRun, crate::epoch::Vectors) {
    ensure_network::<T>();
    MaxAllowedUids::<T>::insert(0, k);
    let keys = fill::<T>(k as u16);
    EpochIndex::<T>::insert(0, 1);
    for (coldkey, hotkey) in &keys {
        if copied {
            Pallet::<T>::do_add_stake(
                coldkey.clone(),
                0,
                hotkey.clone(),
                BalanceOf::<T>::unique_saturated_from(1_000_000_000u64),
            )
            .expect("funded");
        } else {
            // The first stake (period 0) merged now, so that nothing is left to merge.
            frame_support::storage::with_storage_layer(|| {
                Pallet::<T>::credit_pool(0, hotkey, 0, None)
            })
            .expect("registered");
        }
    }
    EpochIndex::<T>::insert(0, 2);
    let (run, mut v) = loaded_epoch::<T>(k, EpochPhase::Credit);
    for (uid, x) in v.get_mut::<T>(VectorKind::Emission).iter_mut().enumerate() {
        *x = mindnet_math::Fixed::from_bits(1_000_000 + uid as u128);
    }
    if copied {
        // Each uid was also taken by another registration after its copy: the credit goes
        // to the copied hotkey, which the epoch owed it (`PendingCredits`), and then tries
        // to release that hotkey.
        for (uid, (_, hotkey)) in keys.iter().enumerate() {
            let uid = uid as u16;
            Pallet::<T>::preserve_for_epoch(0, uid);
            RegisteredAt::<T>::insert(0, uid, 7_777);
            HotkeyNetworks::<T>::remove(hotkey);
            crate::PendingCredits::<T>::insert(hotkey, 1);
        }
    }
    // Which uids were copied is read once per block, charged with the phase's vectors.
    v.warm_caches::<T>();
    (run, v)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    /// Registration into a full network whose replacement order starts with `n − 1`
    /// neurons that are immune now (read and passed over), while an epoch runs that still
    /// needs the replaced uid (its inputs are copied first).
    #[benchmark]
    fn register(n: Linear<1, { crate::epoch::REPLACEMENT_SCAN }>) {
        ensure_network::<T>();
        MaxAllowedUids::<T>::insert(0, n);
        fill::<T>(n as u16);
        ImmunityPeriod::<T>::insert(0, 100);
        frame_system::Pallet::<T>::set_block_number(200u32.into());
        for uid in 0..(n - 1) as u16 {
            RegisteredAt::<T>::insert(0, uid, 200);
        }
        ReplacementOrder::<T>::insert(
            0,
            0,
            BoundedVec::truncate_from((0..n as u16).collect::<Vec<_>>()),
        );
        ReplacementPages::<T>::insert(0, 1);
        ReplacementOrderFrom::<T>::insert(0, 201);
        running_epoch::<T>(n);
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
        assert_eq!(Uids::<T>::get(0, &hotkey), Some((n - 1) as u16));
        assert!(EpochSnapshots::<T>::contains_key(0, (n - 1) as u16));
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
        running_epoch::<T>(1);
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
        running_epoch::<T>(1);
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
    fn remove_all_stake() {
        ensure_network::<T>();
        let (coldkey, hotkey) = fill::<T>(1).remove(0);
        // The same worst case as `remove_stake`, for the whole position.
        EpochIndex::<T>::insert(0, 1);
        running_epoch::<T>(1);
        #[extrinsic_call]
        _(RawOrigin::Signed(coldkey.clone()), 0, hotkey.clone());
        assert!(Pallet::<T>::stake_of(0, &hotkey, &coldkey).is_zero());
    }

    #[benchmark]
    fn index_coldkey_position() {
        use crate::migrations::v5::IndexColdkeys;
        use frame_support::migrations::SteppedMigration;
        use frame_support::traits::StorageVersion;
        ensure_network::<T>();
        let (coldkey, hotkey) = fill::<T>(1).remove(0);
        // As before the upgrade: no index, storage version 4; one step indexes the one
        // position and ends the migration.
        let _ = ColdkeyPositions::<T>::clear(u32::MAX, None);
        StorageVersion::new(4).put::<Pallet<T>>();
        let mut meter = frame_support::weights::WeightMeter::new();
        #[block]
        {
            assert_eq!(IndexColdkeys::<T>::step(None, &mut meter), Ok(None));
        }
        assert!(ColdkeyPositions::<T>::contains_key((&coldkey, 0, &hotkey)));
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
        running_epoch::<T>(u32::from(count));
        #[extrinsic_call]
        _(RawOrigin::Signed(keys[0].1.clone()), 0, uids, values, 0);
        assert_eq!(Weights::<T>::get(0, 0).len(), usize::from(count));
        assert!(EpochSnapshots::<T>::contains_key(0, 0));
    }

    #[benchmark]
    fn commit_weights() {
        ensure_network::<T>();
        CommitReveal::<T>::insert(0, true);
        let (_, hotkey) = fill::<T>(1).remove(0);
        // The worst case: a full list, one of them expired and dropped.
        let old = |k: u8| WeightCommit {
            hash: [k; 32],
            epoch: 0,
            block: 0,
        };
        let full: Vec<WeightCommit> = (0..MAX_WEIGHT_COMMITS as u8).map(old).collect();
        WeightCommits::<T>::insert(0, &hotkey, BoundedVec::truncate_from(full));
        EpochIndex::<T>::insert(0, 5);
        #[extrinsic_call]
        _(RawOrigin::Signed(hotkey.clone()), 0, [0xee; 32]);
        assert_eq!(WeightCommits::<T>::get(0, &hotkey).len(), 1);
    }

    #[benchmark]
    fn reveal_weights(n: Linear<1, { T::MaxWeightsPerRow::get() }>) {
        ensure_network::<T>();
        CommitReveal::<T>::insert(0, true);
        let count = u16::try_from(n).unwrap_or(u16::MAX);
        MaxWeightsPerRow::<T>::insert(0, count);
        let keys = fill::<T>(count);
        let hotkey = keys[0].1.clone();
        let uids: Vec<u16> = (0..count).collect();
        let values = vec![1u16; uids.len()];
        let salt = [7u8; 32];
        let hash = commit_hash(&hotkey, 0, &uids, &values, 0, &salt);
        // The worst case: the matching commit last of a full list, the row's change
        // checked, a running epoch that still needs the row.
        let mut commits: Vec<WeightCommit> = (1..MAX_WEIGHT_COMMITS as u8)
            .map(|k| WeightCommit {
                hash: [k; 32],
                epoch: 0,
                block: 0,
            })
            .collect();
        commits.push(WeightCommit {
            hash,
            epoch: 0,
            block: 0,
        });
        WeightCommits::<T>::insert(0, &hotkey, BoundedVec::truncate_from(commits));
        EpochIndex::<T>::insert(0, u64::from(RevealDelay::<T>::get(0)));
        MaxWeightChange::<T>::insert(0, MAX_WEIGHT_CHANGE_LIMIT - 1);
        Weights::<T>::insert(0, 0, BoundedVec::truncate_from(vec![(0u16, 1u16)]));
        running_epoch::<T>(u32::from(count));
        #[extrinsic_call]
        _(RawOrigin::Signed(hotkey.clone()), 0, uids, values, 0, salt);
        assert_eq!(Weights::<T>::get(0, 0).len(), usize::from(count));
        assert!(!WeightCommits::<T>::contains_key(0, &hotkey));
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
        // The worst case: every network exists and runs an epoch, and the hotkey's inputs
        // on network 0 are copied first.
        for netuid in 1..T::MaxNetworks::get() {
            Pallet::<T>::do_create_network(netuid).expect("room");
            Pallet::<T>::start_epoch(netuid, 10);
        }
        running_epoch::<T>(1);
        let take = Perbill::from_percent(10);
        #[extrinsic_call]
        _(RawOrigin::Signed(coldkey), hotkey.clone(), take);
        assert_eq!(Take::<T>::get(&hotkey), take);
        assert!(EpochSnapshots::<T>::contains_key(0, 0));
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

    #[benchmark]
    fn set_epoch_budget() {
        #[extrinsic_call]
        _(RawOrigin::Root, Perbill::from_percent(20));
        assert_eq!(EpochBudget::<T>::get(), Perbill::from_percent(20));
    }

    /// Starting an epoch: its parameters and emission recorded.
    #[benchmark]
    fn epoch_start() {
        ensure_network::<T>();
        #[block]
        {
            Pallet::<T>::start_epoch(0, 10);
        }
        assert!(RunningEpochs::<T>::contains_key(0));
    }

    /// What a block that advances an epoch does besides its phases' vectors and units:
    /// the running epoch read and written back.
    #[benchmark]
    fn epoch_block() {
        ensure_network::<T>();
        running_epoch::<T>(1);
        #[block]
        {
            let run = RunningEpochs::<T>::get(0);
            let v = crate::epoch::Vectors::new(0, 1).metered();
            v.save::<T>();
            if let Some(run) = run {
                RunningEpochs::<T>::insert(0, run);
            }
        }
        assert!(RunningEpochs::<T>::contains_key(0));
    }

    /// Loading one vector of `n` entries that the block only reads (or building one of
    /// the per-block caches, which costs less).
    #[benchmark]
    fn epoch_vector_read(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        running_epoch::<T>(n);
        fill_vectors::<T>(n);
        let loaded;
        #[block]
        {
            let mut v = crate::epoch::Vectors::new(0, n as usize);
            loaded = v.get::<T>(VectorKind::Stake).len();
            v.save::<T>();
        }
        assert_eq!(loaded, n as usize);
    }

    /// Loading, changing and saving one vector of `n` entries.
    #[benchmark]
    fn epoch_vector_write(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        running_epoch::<T>(n);
        fill_vectors::<T>(n);
        #[block]
        {
            let mut v = crate::epoch::Vectors::new(0, n as usize);
            if let Some(x) = v.get_mut::<T>(VectorKind::Stake).first_mut() {
                *x = mindnet_math::Fixed::from_bits(1);
            }
            v.save::<T>();
        }
        assert_eq!(EpochVectors::<T>::get(0, VectorKind::Stake)[0], 1);
    }

    /// Reading the inputs of `k` uids (no copies: every input read from live storage).
    #[benchmark]
    fn epoch_gather(k: Linear<1, { crate::epoch::PAGE_SIZE }>) {
        ensure_network::<T>();
        MaxAllowedUids::<T>::insert(0, k);
        fill::<T>(k as u16);
        for uid in 0..k as u16 {
            LastUpdate::<T>::insert(0, uid, 1);
        }
        EpochIndex::<T>::insert(0, 1);
        let (_, mut v) = loaded_epoch::<T>(k, EpochPhase::Gather);
        v.warm_caches::<T>();
        #[block]
        {
            for i in 0..k as usize {
                Pallet::<T>::gather_unit(0, &mut v, i);
            }
        }
        let stake = v.get::<T>(VectorKind::Stake);
        assert!(stake.iter().all(|s| *s > mindnet_math::Fixed::from_num(0)));
    }

    /// `Stake` over `n` neurons: the active mask and normalised stake.
    #[benchmark]
    fn epoch_stake(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        let (mut run, mut v) = loaded_epoch::<T>(n, EpochPhase::Stake);
        #[block]
        {
            Pallet::<T>::vector_unit(0, 10, &mut run, &mut v);
        }
        assert_eq!(run.phase, EpochPhase::FirstPass);
    }

    /// `Rank` over `n` neurons: ranks, incentive and loss.
    #[benchmark]
    fn epoch_rank(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        let (mut run, mut v) = loaded_epoch::<T>(n, EpochPhase::Rank);
        #[block]
        {
            Pallet::<T>::vector_unit(0, 10, &mut run, &mut v);
        }
        assert_eq!(run.phase, EpochPhase::SecondPass);
    }

    /// `Emission` over `n` neurons: dividends, emission shares and the minted amounts.
    #[benchmark]
    fn epoch_emission(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        let (mut run, mut v) = loaded_epoch::<T>(n, EpochPhase::Emission);
        run.emission = 1_000_000_000_000;
        #[block]
        {
            Pallet::<T>::vector_unit(0, 10, &mut run, &mut v);
        }
        assert_eq!(run.phase, EpochPhase::Credit);
    }

    /// `Order` over `n` neurons, every one replaceable (the replacement order sorted and
    /// written), then the epoch's completion.
    #[benchmark]
    fn epoch_order(n: Linear<1, { T::MaxNeurons::get() }>) {
        ensure_network::<T>();
        ImmunityPeriod::<T>::insert(0, 0);
        let (mut run, mut v) = loaded_epoch::<T>(n, EpochPhase::Order);
        for x in v.get_mut::<T>(VectorKind::RegisteredAt).iter_mut() {
            *x = mindnet_math::Fixed::from_bits(1);
        }
        #[block]
        {
            Pallet::<T>::vector_unit(0, 10, &mut run, &mut v);
            Pallet::<T>::complete_epoch(0, &run);
        }
        assert_eq!(
            ReplacementPages::<T>::get(0),
            n.div_ceil(crate::epoch::PAGE_SIZE)
        );
    }

    /// One row of the first pass (ranks, trust, old bond columns, self-weight sums) with
    /// `w` weight entries and `b` stored bonds.
    #[benchmark]
    fn epoch_first_row(
        w: Linear<0, { T::MaxWeightsPerRow::get() }>,
        b: Linear<0, { mindnet_math::MAX_BONDS_PER_ROW as u32 }>,
    ) {
        let (mut run, mut v) = row_epoch::<T>(w, b, EpochPhase::FirstPass);
        #[block]
        {
            Pallet::<T>::row_unit(0, &mut run, &mut v, 0);
        }
        assert!(w < 2 || run.all > 0);
    }

    /// One row of the second pass (bonds mixed, normalised and put on the loaded page,
    /// and the row's dividend) with `w` weight entries and `b` stored bonds.
    #[benchmark]
    fn epoch_second_row(
        w: Linear<0, { T::MaxWeightsPerRow::get() }>,
        b: Linear<0, { mindnet_math::MAX_BONDS_PER_ROW as u32 }>,
    ) {
        let (mut run, mut v) = row_epoch::<T>(w, b, EpochPhase::SecondPass);
        #[block]
        {
            Pallet::<T>::row_unit(0, &mut run, &mut v, 0);
        }
        assert!(w + b == 0 || !v.bond_row(0).is_empty());
    }

    /// Loading a page of bonds whose 16 rows hold `b` entries each, and writing it back
    /// changed.
    #[benchmark]
    fn epoch_bond_page(b: Linear<0, { mindnet_math::MAX_BONDS_PER_ROW as u32 }>) {
        ensure_network::<T>();
        let page = crate::epoch::BOND_PAGE;
        let rows: Vec<crate::epoch::BondRow> = (0..page)
            .map(|i| {
                let row: Vec<(u16, u64)> =
                    (0..b).map(|j| (j as u16, u64::from(i + j + 1))).collect();
                BoundedVec::truncate_from(row)
            })
            .collect();
        Bonds::<T>::insert(0, 0, BoundedVec::truncate_from(rows));
        let mut v = crate::epoch::Vectors::new(0, page as usize);
        let entries;
        #[block]
        {
            entries = v.load_bond_page::<T>(EpochPhase::SecondPass, 0);
            v.touch_bond_page();
            v.save::<T>();
        }
        assert_eq!(entries, (b * page) as usize);
    }

    /// One uid's consensus sigmoid.
    #[benchmark]
    fn epoch_consensus() {
        ensure_network::<T>();
        let (run, mut v) = loaded_epoch::<T>(1, EpochPhase::Consensus);
        #[block]
        {
            Pallet::<T>::consensus_unit(&run, &mut v, 0);
        }
        assert!(v.get::<T>(VectorKind::Consensus)[0] > mindnet_math::Fixed::from_num(0));
    }

    /// Crediting `k` uids of one results page whose inputs were not copied and whose
    /// pools merge nothing, minting their total and writing the page.
    #[benchmark]
    fn epoch_credit(k: Linear<1, { crate::epoch::PAGE_SIZE }>) {
        let (mut run, mut v) = credit_setup::<T>(k, false);
        let copied;
        #[block]
        {
            copied = Pallet::<T>::credit_range(0, &mut run, &mut v, 0, k as usize);
        }
        assert_eq!(copied, 0);
        assert!(run.credited > 0);
    }

    /// Crediting `k` uids of one results page, each with its inputs copied, replaced since
    /// (its hotkey owed the credit) and its pool merging joining stake, minting their total
    /// and writing the page.
    #[benchmark]
    fn epoch_credit_copied(k: Linear<1, { crate::epoch::PAGE_SIZE }>) {
        let (mut run, mut v) = credit_setup::<T>(k, true);
        let copied;
        #[block]
        {
            copied = Pallet::<T>::credit_range(0, &mut run, &mut v, 0, k as usize);
        }
        assert_eq!(copied, k as usize);
        assert!(run.credited > 0);
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
