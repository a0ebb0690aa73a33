//! Offences: what happens to a validator reported by `pallet-offences`, and the session
//! history that proves who was a validator when.
//!
//! GRANDPA's equivocation report (`pallet_grandpa::EquivocationReportSystem`) checks the
//! two signed votes and a key-ownership proof against `pallet_session::historical`'s root
//! of the offender's session, then reports an offence to `pallet-offences`, which refuses a
//! duplicate (same offender, same set and round) and calls [`Pallet::on_offence`] once per
//! new offence. The validator is then:
//! * disabled now: `pallet_session::Pallet::report_offence` applies the runtime's disabling
//!   strategy (at most a third of the active set is disabled at once), and Aura refuses
//!   blocks by a disabled author;
//! * taken out of [`Validators`](crate::Validators), so the set planned at the next session
//!   boundary leaves it out and it stops voting one to two sessions later, as if root had
//!   called `remove_validator`. Until it has left, each rotation disables it again
//!   ([`Offenders`](crate::Offenders)): `pallet-session` clears its disabled list whenever
//!   the active set changes. If that would leave fewer than `MinValidators` validators
//!   with session keys it stays ([`Event::OffenderKept`](crate::Event::OffenderKept)):
//!   the chain keeps a set that can author.
//!
//! Nothing is slashed: Mindnet's validators are chosen by root and post no bond, so losing
//! the seat (and root's trust) is the penalty. `slash_fraction` only sets the severity the
//! disabling strategy sees.

use crate::{Config, Event, Offenders, Pallet, Validators};
use frame_support::{traits::Get, weights::Weight};
use sp_runtime::{traits::Convert, Perbill};
use sp_staking::{
    offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
    SessionIndex,
};

/// A validator's full identification for `pallet_session::historical`: nothing beyond its
/// account (no stake backs a Mindnet validator), so every validator is identified.
pub struct Identified;
impl<A> Convert<A, Option<()>> for Identified {
    fn convert(_validator: A) -> Option<()> {
        Some(())
    }
}

impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T>
where
    T: pallet_session::historical::Config<FullIdentification = ()>,
{
    fn new_session(new_index: SessionIndex) -> Option<alloc::vec::Vec<(T::AccountId, ())>> {
        <Self as pallet_session::SessionManager<_>>::new_session(new_index)
            .map(|set| set.into_iter().map(|v| (v, ())).collect())
    }

    fn new_session_genesis(new_index: SessionIndex) -> Option<alloc::vec::Vec<(T::AccountId, ())>> {
        <Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
            .map(|set| set.into_iter().map(|v| (v, ())).collect())
    }

    fn start_session(start_index: SessionIndex) {
        <Self as pallet_session::SessionManager<_>>::start_session(start_index)
    }

    fn end_session(end_index: SessionIndex) {
        <Self as pallet_session::SessionManager<_>>::end_session(end_index)
    }
}

/// Drops the historical session roots older than `HistoryDepth` sessions before
/// `new_index` (one root per session, so at most one is dropped per rotation once the
/// history is full).
pub(crate) fn prune_history<T: Config>(new_index: SessionIndex) {
    let keep_from = new_index.saturating_sub(T::HistoryDepth::get());
    let stored = pallet_session::historical::StoredRange::<T>::get();
    if matches!(stored, Some((first, _)) if first < keep_from) {
        pallet_session::historical::Pallet::<T>::prune_up_to(keep_from);
    }
}

/// At a session's start: disables again the offenders removed from the set that are still
/// in the active set (`pallet-session` clears its disabled list when the active set
/// changes), and forgets those that have left.
pub(crate) fn disable_remaining_offenders<T: Config>() {
    let mut remaining = Offenders::<T>::get();
    if remaining.is_empty() {
        return;
    }
    let active = pallet_session::Validators::<T>::get();
    remaining.retain(|o| active.contains(o));
    for offender in remaining.iter() {
        pallet_session::Pallet::<T>::report_offence(offender.clone(), OffenceSeverity::default());
    }
    if remaining.is_empty() {
        Offenders::<T>::kill();
    } else {
        Offenders::<T>::put(remaining);
    }
}

/// The weight [`Pallet::on_offence`] takes for `offenders` offenders with a set of at most
/// `validators` validators: per offender, the disabling (session validators, the disabled
/// list: 2 reads, 1 write) and the removal (the set and each member's session keys, then
/// the set, its change flag and the pending offenders: 2 + `validators` reads, 3 writes).
pub fn on_offence_weight<T: frame_system::Config>(offenders: u32, validators: u32) -> Weight {
    let per_offender = T::DbWeight::get().reads_writes(4u64.saturating_add(validators.into()), 4);
    per_offender.saturating_mul(offenders.into())
}

impl<T: Config>
    OnOffenceHandler<T::AccountId, pallet_session::historical::IdentificationTuple<T>, Weight>
    for Pallet<T>
{
    fn on_offence(
        offenders: &[OffenceDetails<
            T::AccountId,
            pallet_session::historical::IdentificationTuple<T>,
        >],
        slash_fraction: &[Perbill],
        session: SessionIndex,
    ) -> Weight {
        let mut validators = Validators::<T>::get();
        let mut removed = false;
        for (index, details) in offenders.iter().enumerate() {
            let who = &details.offender.0;
            let severity = slash_fraction.get(index).copied().unwrap_or_default();
            pallet_session::Pallet::<T>::report_offence(who.clone(), OffenceSeverity(severity));
            // Already out of the set (reported before, or removed by root): nothing more.
            let Some(position) = validators.iter().position(|v| v == who) else {
                continue;
            };
            if Pallet::<T>::enough_keyed_without(&validators, who) {
                validators.remove(position);
                removed = true;
                // At most `MaxValidators` offenders are pending at once (each was in the
                // set); were it full, the next rotation would simply not re-disable it.
                let _ = Offenders::<T>::try_mutate(|o| o.try_push(who.clone()));
                log::warn!(
                    target: "runtime::validator-set",
                    "offender {who:?} (session {session}) disabled and removed from the set"
                );
                Pallet::<T>::deposit_event(Event::OffenderRemoved {
                    who: who.clone(),
                    session,
                });
            } else {
                log::warn!(
                    target: "runtime::validator-set",
                    "offender {who:?} (session {session}) disabled but kept: removing it would leave fewer than {} validators with keys",
                    T::MinValidators::get()
                );
                Pallet::<T>::deposit_event(Event::OffenderKept {
                    who: who.clone(),
                    session,
                });
            }
        }
        if removed {
            Validators::<T>::put(validators);
            crate::Changed::<T>::put(true);
        }
        let set = u32::try_from(Validators::<T>::decode_len().unwrap_or(0)).unwrap_or(u32::MAX);
        on_offence_weight::<T>(u32::try_from(offenders.len()).unwrap_or(u32::MAX), set)
    }
}
