//! # Validator set
//!
//! The accounts that author and finalise Mindnet's blocks, changed by root and handed to
//! `pallet-session` at each session boundary.
//!
//! ## Overview
//!
//! * [`Validators`] is the set root maintains: [`Pallet::add_validator`] and
//!   [`Pallet::remove_validator`] edit it (bounded by `MaxValidators`, never below
//!   `MinValidators`). A validator is an account; its Aura and GRANDPA keys are its
//!   *session keys*, which it registers itself with `session.setKeys(keys, proof)` (the
//!   keys come from `author_rotateKeys` on its node). Root can only add an account that
//!   has registered session keys.
//! * The pallet is `pallet-session`'s [`SessionManager`]: at the end of every session,
//!   if the set changed since the last one, it hands the new set over. `pallet-session`
//!   queues it for one session (so that its keys are known a session ahead, as GRANDPA
//!   requires) and then makes it the active authority set of Aura and GRANDPA. So a
//!   change made during session `s` plans session `s + 2` at the end of session `s`,
//!   and the new validators author from the start of session `s + 2`: one to two
//!   sessions after the call.
//! * Sessions are [`SessionLength`] blocks long, fixed at genesis ([`SessionPeriod`]
//!   reads it for `pallet_session::PeriodicSessions`).
//! * This pallet rotates the sessions itself, in its `on_initialize` at every multiple of
//!   [`SessionLength`] (`pallet_session::Pallet::rotate_session`), and charges the
//!   rotation's benchmarked weight (`rotate_session`, by the size of the set).
//!   `pallet-session`'s own hook charges a whole block for a rotation, so a rotation block
//!   carried no transactions; the runtime gives `pallet-session`
//!   [`RotatedByValidatorSet`] as its `ShouldEndSession`, so its hook never rotates.
//!
//! ## Offences
//!
//! The pallet is `pallet-offences`' `OnOffenceHandler` (see [`offences`]): a validator
//! reported for an offence (on Mindnet, a GRANDPA equivocation proven on chain) is disabled
//! at once through `pallet-session`'s disabling strategy (a disabled Aura author's blocks
//! are invalid) and taken out of [`Validators`], so it leaves the authority set at the next
//! planned session, unless that would leave fewer than `MinValidators` validators with
//! session keys ([`Event::OffenderKept`]). Validators post no bond and nothing is slashed:
//! the set is chosen by root, and losing the seat is the penalty (see `docs/validators.md`).
//! The pallet also hands `pallet_session::historical` each planned set with its
//! identification (none beyond the account) and prunes the session roots older than
//! [`Config::HistoryDepth`] sessions, past which an offence can no longer be proven.
//!
//! ## Security
//!
//! Only `AddRemoveOrigin` (root, through sudo, on Mindnet) changes the set, and it cannot
//! leave fewer than `MinValidators` validators *with session keys* (an empty authority set
//! halts the chain for good: no block, so no sudo call, could follow). A set is only
//! handed over when at least `MinValidators` of its validators have keys. A validator that
//! purges its session keys ([`Pallet::purge_keys`]) is left out of the authority set from
//! the next planned session on, as `pallet-session` skips accounts without keys; one that
//! registers keys after a rotation joins at the next one ([`Handed`]). The last
//! `MinValidators` validators with keys cannot purge them ([`Error::KeysStillNeeded`]):
//! the runtime filters `session.purgeKeys` out, so every purge comes through this check.
//! (Validators that all go offline still stop the chain, as on any chain.)
//!
//! ## Interface
//!
//! Root: [`Pallet::add_validator`], [`Pallet::remove_validator`].
//! Anyone with session keys: [`Pallet::purge_keys`].
//! Events: [`Event::ValidatorAdded`], [`Event::ValidatorRemoved`],
//! [`Event::OffenderRemoved`], [`Event::OffenderKept`].

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        clippy::unwrap_used
    )
)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offences;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::traits::ValidatorRegistration;
use pallet_session::SessionManager;
use sp_runtime::traits::Get;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::pallet_prelude::*;
    use frame_system::pallet_prelude::*;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config:
        frame_system::Config
        + pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
        + pallet_session::historical::Config
    {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// Who may add and remove validators (root on Mindnet).
        type AddRemoveOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Whether an account has registered session keys (`pallet_session::Pallet`).
        type ValidatorRegistration: ValidatorRegistration<Self::AccountId>;
        /// The most validators the set holds (at most the consensus pallets' maximum
        /// number of authorities).
        #[pallet::constant]
        type MaxValidators: Get<u32>;
        /// The fewest validators the set keeps: `remove_validator` refuses to go below.
        #[pallet::constant]
        type MinValidators: Get<u32>;
        /// How many past sessions keep their validator-set root in
        /// `pallet_session::historical`: an offence committed longer ago can no longer be
        /// proven (GRANDPA's `MaxSetIdSessionEntries` should be the same).
        #[pallet::constant]
        type HistoryDepth: Get<u32>;
        /// Benchmarked weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// The validator set root maintains; `pallet-session` takes it at session boundaries.
    #[pallet::storage]
    pub type Validators<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

    /// Whether [`Validators`] changed since it was last handed to `pallet-session`.
    #[pallet::storage]
    pub type Changed<T: Config> = StorageValue<_, bool, ValueQuery>;

    /// The validators that had session keys when the set was last handed to
    /// `pallet-session` (`pallet-session` leaves out the others). A validator that registers
    /// keys later makes the set differ from this, and the set is handed over again at the
    /// next rotation: it joins without root acting again.
    #[pallet::storage]
    pub type Handed<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

    /// Validators removed from the set for an offence that may still be in the active set
    /// (a removal takes one to two sessions): a rotation that clears `pallet-session`'s
    /// disabled list disables them again, until they have left.
    #[pallet::storage]
    pub type Offenders<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

    /// The length of a session in blocks, fixed at genesis (at least 1).
    #[pallet::storage]
    pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// The validators of the first sessions. Each needs session keys in
        /// `pallet_session`'s genesis (`session.keys`). Empty: the accounts of those keys
        /// validate, and the set starts empty.
        pub initial_validators: Vec<T::AccountId>,
        /// Blocks per session; 0 (the default) is read as 10.
        pub session_length: BlockNumberFor<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            assert!(
                !has_duplicates(&self.initial_validators),
                "genesis names a validator twice"
            );
            // No validators (the default config) leaves the session pallet's genesis keys
            // to decide; a chain's presets always name them.
            assert!(
                self.initial_validators.is_empty()
                    || self.initial_validators.len() >= T::MinValidators::get() as usize,
                "genesis names fewer validators than MinValidators"
            );
            let validators: BoundedVec<_, T::MaxValidators> = self
                .initial_validators
                .clone()
                .try_into()
                .expect("genesis names more validators than MaxValidators");
            Validators::<T>::put(validators);
            let length = if self.session_length == 0u32.into() {
                10u32.into()
            } else {
                self.session_length
            };
            SessionLength::<T>::put(length);
        }
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// `who` joins the validator set at the next planned session.
        ValidatorAdded { who: T::AccountId },
        /// `who` leaves the validator set at the next planned session.
        ValidatorRemoved { who: T::AccountId },
        /// `who` was reported for an offence committed in `session`: it is disabled and
        /// leaves the validator set at the next planned session.
        OffenderRemoved { who: T::AccountId, session: u32 },
        /// `who` was reported for an offence committed in `session` and is disabled, but
        /// stays in the set: removing it would leave fewer than `MinValidators` validators
        /// with session keys. Root should add a validator and remove it.
        OffenderKept { who: T::AccountId, session: u32 },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// The account is already in the validator set.
        AlreadyValidator,
        /// The account is not in the validator set.
        NotValidator,
        /// The account has no session keys: its node's `author_rotateKeys` gives them and
        /// the account registers them with `session.setKeys(keys, proof)` first.
        NoSessionKeys,
        /// The validator set is full (`MaxValidators`).
        TooManyValidators,
        /// Removing the validator would leave fewer than `MinValidators`.
        TooFewValidators,
        /// Removing the validator would leave fewer than `MinValidators` validators with
        /// session keys: the next authority set could be too small to author (an empty one
        /// halts the chain for good). Add a validator with keys first.
        TooFewKeyedValidators,
        /// The caller is one of the last `MinValidators` validators with session keys (in
        /// the set, the active set or the next one): without its keys the authority set
        /// could be too small to author and the chain would stop. Root adds another
        /// validator with keys (or removes this one) first.
        KeysStillNeeded,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        /// Rotates the session at each multiple of [`SessionLength`] (as
        /// `PeriodicSessions` with offset 0 would end it), charging what the rotation costs.
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            let read = T::DbWeight::get().reads(1);
            if !Pallet::<T>::ends_session(now) {
                return read;
            }
            pallet_session::Pallet::<T>::rotate_session();
            // At most `MaxValidators`, a `u32`.
            let set = u32::try_from(Validators::<T>::decode_len().unwrap_or(0)).unwrap_or(u32::MAX);
            read.saturating_add(<T as Config>::WeightInfo::rotate_session(set))
        }

        fn integrity_test() {
            assert!(
                T::HistoryDepth::get() >= 1,
                "offences need the current session's root at least"
            );
            assert!(
                T::MinValidators::get() >= 1,
                "a chain needs at least one validator"
            );
            assert!(
                T::MinValidators::get() <= T::MaxValidators::get(),
                "MinValidators must not exceed MaxValidators"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Adds `who` to the validator set; it starts authoring one to two sessions later.
        ///
        /// `who` must have registered session keys (`session.setKeys`).
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::add_validator())]
        pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
            T::AddRemoveOrigin::ensure_origin(origin)?;
            let mut validators = Validators::<T>::get();
            ensure!(!validators.contains(&who), Error::<T>::AlreadyValidator);
            ensure!(
                T::ValidatorRegistration::is_registered(&who),
                Error::<T>::NoSessionKeys
            );
            validators
                .try_push(who.clone())
                .map_err(|_| Error::<T>::TooManyValidators)?;
            Validators::<T>::put(validators);
            Changed::<T>::put(true);
            // Root takes an offender back: it is no longer disabled at rotations.
            Offenders::<T>::mutate(|offenders| offenders.retain(|o| o != &who));
            Self::deposit_event(Event::ValidatorAdded { who });
            Ok(())
        }

        /// Removes `who` from the validator set; it stops authoring one to two sessions
        /// later. Its session keys stay registered until it purges them.
        #[pallet::call_index(1)]
        #[pallet::weight(<T as Config>::WeightInfo::remove_validator())]
        pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
            T::AddRemoveOrigin::ensure_origin(origin)?;
            let mut validators = Validators::<T>::get();
            let position = validators
                .iter()
                .position(|v| v == &who)
                .ok_or(Error::<T>::NotValidator)?;
            ensure!(
                validators.len() > T::MinValidators::get() as usize,
                Error::<T>::TooFewValidators
            );
            ensure!(
                Self::enough_keyed_without(&validators, &who),
                Error::<T>::TooFewKeyedValidators
            );
            validators.remove(position);
            Validators::<T>::put(validators);
            Changed::<T>::put(true);
            Self::deposit_event(Event::ValidatorRemoved { who });
            Ok(())
        }

        /// Removes the caller's session keys and releases their deposit, as
        /// `session.purgeKeys` does (the runtime sends every purge through this call), unless
        /// the caller is one of the last `MinValidators` validators with keys.
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::purge_keys())]
        pub fn purge_keys(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin.clone())?;
            ensure!(Self::keys_not_needed(&who), Error::<T>::KeysStillNeeded);
            pallet_session::Pallet::<T>::purge_keys(origin)
        }
    }
}

impl<T: Config> Pallet<T> {
    /// The members of `validators` with session keys, in order: those `pallet-session`
    /// keeps when the set is handed over.
    pub(crate) fn keyed(validators: &[T::AccountId]) -> Vec<T::AccountId> {
        validators
            .iter()
            .filter(|v| T::ValidatorRegistration::is_registered(v))
            .cloned()
            .collect()
    }

    /// Whether at least `MinValidators` members of `validators` other than `who` have
    /// session keys: the condition for taking `who` out of the set.
    pub(crate) fn enough_keyed_without(validators: &[T::AccountId], who: &T::AccountId) -> bool {
        let keyed_others = Self::keyed(validators).iter().filter(|v| *v != who).count();
        keyed_others >= T::MinValidators::get() as usize
    }

    /// Whether `who` can drop its session keys: in each of the set root maintains, the
    /// active set and the queued one, `who` is not a keyed member, or at least
    /// `MinValidators` other keyed members remain. (A rotation hands over the set if it
    /// changed, else the active set again, keeping only members with keys.)
    fn keys_not_needed(who: &T::AccountId) -> bool {
        let min = T::MinValidators::get() as usize;
        let spare = |set: &[T::AccountId]| {
            let keyed = Self::keyed(set);
            !keyed.contains(who) || keyed.len() > min
        };
        let queued: Vec<T::AccountId> = pallet_session::QueuedKeys::<T>::get()
            .into_iter()
            .map(|(validator, _)| validator)
            .collect();
        spare(&Validators::<T>::get())
            && spare(&pallet_session::Validators::<T>::get())
            && spare(&queued)
    }

    /// The set's invariants: no duplicates, at least `MinValidators`.
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        let validators = Validators::<T>::get();
        frame_support::ensure!(
            !has_duplicates(&validators),
            "a validator is in the set twice"
        );
        frame_support::ensure!(
            validators.len() >= T::MinValidators::get() as usize,
            "fewer validators than MinValidators"
        );
        frame_support::ensure!(
            SessionLength::<T>::get() >= 1u32.into(),
            "sessions are at least one block long"
        );
        Ok(())
    }
}

/// Whether an account appears more than once in `accounts`.
fn has_duplicates<A: Ord + Clone>(accounts: &[A]) -> bool {
    let mut sorted = accounts.to_vec();
    sorted.sort();
    sorted.windows(2).any(|pair| pair.first() == pair.last())
}

impl<T: Config> Pallet<T> {
    /// Whether block `now` ends a session: a multiple of the session length, past genesis.
    pub fn ends_session(now: frame_system::pallet_prelude::BlockNumberFor<T>) -> bool {
        use sp_runtime::traits::UniqueSaturatedInto;
        let now: u64 = now.unique_saturated_into();
        let period: u64 = SessionPeriod::<T>::get().unique_saturated_into();
        // The period is at least one block, so the remainder exists.
        now != 0 && now.checked_rem(period) == Some(0)
    }
}

/// `pallet_session`'s `ShouldEndSession`: never, since this pallet rotates sessions itself
/// (see the module docs).
pub struct RotatedByValidatorSet;
impl<B> pallet_session::ShouldEndSession<B> for RotatedByValidatorSet {
    fn should_end_session(_now: B) -> bool {
        false
    }
}

/// `pallet_session::PeriodicSessions`' period: [`SessionLength`], at least one block.
pub struct SessionPeriod<T>(core::marker::PhantomData<T>);
impl<T: Config> Get<frame_system::pallet_prelude::BlockNumberFor<T>> for SessionPeriod<T> {
    fn get() -> frame_system::pallet_prelude::BlockNumberFor<T> {
        SessionLength::<T>::get().max(1u32.into())
    }
}

impl<T: Config> SessionManager<T::AccountId> for Pallet<T> {
    /// The new set if it changed since the last session, else `None` (the same set, with
    /// each validator's current session keys).
    fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
        offences::prune_history::<T>(new_index);
        let validators = Validators::<T>::get();
        let keyed = Pallet::<T>::keyed(&validators);
        if !Changed::<T>::get() && keyed == Handed::<T>::get().into_inner() {
            return None;
        }
        // Never plan a set that could not author: with fewer keyed validators than
        // `MinValidators` the current set stays (and the change waits for keys).
        if keyed.len() < T::MinValidators::get() as usize {
            log::warn!(
                target: "runtime::validator-set",
                "session {new_index}: only {} of {} validators have session keys, fewer than {}; the set is not changed",
                keyed.len(),
                validators.len(),
                T::MinValidators::get()
            );
            return None;
        }
        Changed::<T>::kill();
        Handed::<T>::put(frame_support::BoundedVec::truncate_from(keyed.clone()));
        log::info!(
            target: "runtime::validator-set",
            "session {new_index} planned with {} validators, {} with session keys",
            validators.len(),
            keyed.len()
        );
        Some(validators.into_inner())
    }

    fn new_session_genesis(_new_index: u32) -> Option<Vec<T::AccountId>> {
        let validators = Validators::<T>::get();
        Handed::<T>::put(frame_support::BoundedVec::truncate_from(
            Pallet::<T>::keyed(&validators),
        ));
        (!validators.is_empty()).then_some(validators.into_inner())
    }

    fn end_session(_end_index: u32) {}

    fn start_session(_start_index: u32) {
        offences::disable_remaining_offenders::<T>();
    }
}
