//! The epoch's driver: starts each network's epoch at its boundary (or defers it while
//! one runs), and advances running epochs phase by phase within the block's budget, each
//! phase followed by the next in [`EpochPhase::ALL`]'s order ([`EpochRun::next_phase`]).

use super::{EpochPhase, EpochRun, TransitiveRun, VectorKind, Vectors, PAGE_SIZE};
use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Defensive, weights::WeightMeter};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> Pallet<T> {
    /// Starts the epochs that are due at `now` and advances running epochs within the
    /// budget; returns the weight used.
    pub(crate) fn on_block(now: BlockNumberFor<T>) -> Weight {
        let now: u64 = now.unique_saturated_into();
        let db = T::DbWeight::get();
        let mut weight = db.reads(2);
        if now == 0 {
            return weight;
        }
        let mut running: Vec<u16> = Vec::new();
        for netuid in NetworksAdded::<T>::iter_keys() {
            weight = weight.saturating_add(db.reads(3));
            let tempo = u64::from(Tempo::<T>::get(netuid).max(1));
            let is_running = RunningEpochs::<T>::contains_key(netuid);
            let due = now.is_multiple_of(tempo) || EpochDeferred::<T>::get(netuid);
            if due && is_running {
                if !EpochDeferred::<T>::get(netuid) {
                    EpochDeferred::<T>::insert(netuid, true);
                    weight = weight.saturating_add(db.writes(1));
                    log::info!(target: LOG_TARGET, "network {netuid}: epoch at block {now} deferred, the previous one is still running");
                }
            } else if due {
                Self::start_epoch(netuid, now);
                // With [`RunningTransitive`] written or removed.
                weight = weight
                    .saturating_add(T::WeightInfo::epoch_start())
                    .saturating_add(db.writes(1));
            }
            if due || is_running {
                running.push(netuid);
            }
        }
        // Whichever network goes first may take the whole budget: rotate who goes first,
        // so that no network's epoch waits on another's.
        let len = running.len().max(1);
        let first = usize::try_from(now)
            // A block past `usize` (a 32-bit runtime, after 2^32 blocks) rotates by 0:
            // any rotation is as fair for one block.
            .unwrap_or(0)
            .checked_rem(len)
            .defensive_unwrap_or(0);
        running.rotate_left(first);
        let mut meter = WeightMeter::with_limit(Self::epoch_budget());
        for netuid in running {
            Self::advance_epoch(netuid, now, &mut meter);
        }
        weight.saturating_add(meter.consumed())
    }

    /// Records the start of `netuid`'s epoch at block `now`.
    pub(crate) fn start_epoch(netuid: u16, now: u64) {
        let previous = LastEpochBlock::<T>::get(netuid);
        // The network's first epoch mints for every block since genesis.
        let blocks = now.saturating_sub(previous.unwrap_or(0));
        let emission = BlockEmission::<T>::get(netuid).saturating_mul(blocks);
        let params = Self::epoch_params(netuid);
        match params.ranking {
            mindnet_math::epoch::Ranking::Transitive => RunningTransitive::<T>::insert(
                netuid,
                TransitiveRun {
                    iterations: params.transitive_iterations,
                    ..Default::default()
                },
            ),
            mindnet_math::epoch::Ranking::Direct => RunningTransitive::<T>::remove(netuid),
        }
        let run = EpochRun {
            started_at: now,
            blocks,
            emission,
            neurons: NeuronCount::<T>::get(netuid),
            // The epoch runs in `on_initialize`, before the block's registrations: the
            // stored bonds know registrations up to the block before the last start (and
            // none before the first epoch, which has no bonds).
            cover: previous.map(|b| b.saturating_sub(1)).unwrap_or(0),
            rho: params.rho.to_bits(),
            kappa: params.kappa.to_bits(),
            alpha: params.alpha.to_bits(),
            delta: params.delta.to_bits(),
            activity_cutoff: params.activity_cutoff,
            mask_self_weight: params.mask_self_weight,
            phase: EpochPhase::Gather,
            cursor: 0,
            own: 0,
            all: 0,
            loss: 0,
            any_stake: false,
            minted: 0,
            credited: 0,
            steps: 0,
        };
        RunningEpochs::<T>::insert(netuid, run);
        EpochDeferred::<T>::remove(netuid);
        LastEpochBlock::<T>::insert(netuid, now);
        Self::deposit_event(Event::EpochStarted { netuid, block: now });
    }

    /// Advances `netuid`'s running epoch as far as `meter` allows.
    pub(crate) fn advance_epoch(netuid: u16, now: u64, meter: &mut WeightMeter) {
        let Some(mut run) = RunningEpochs::<T>::get(netuid) else {
            return;
        };
        // The block's own reads and writes and the vectors of the phase it resumes; then at
        // least that phase's largest unit of work, so that an epoch that starts a block
        // always makes progress in it. Each further phase pays for its vectors as it starts.
        let overhead = Self::epoch_block_overhead();
        let first = Self::phase_vectors_weight(run.phase, run.neurons);
        let needed = overhead
            .saturating_add(first)
            .saturating_add(Self::phase_unit_max(run.phase, run.neurons));
        if !meter.can_consume(needed) {
            return;
        }
        meter.consume(overhead);
        let before = (run.phase, run.cursor);
        // A `u32` neuron count fits a `usize`.
        let n = usize::try_from(run.neurons).defensive_unwrap_or(0);
        let mut vectors = Vectors::new(netuid, n).metered();
        let completed = Self::run_phases(netuid, now, &mut run, &mut vectors, meter);
        vectors.save::<T>();
        run.steps = run.steps.saturating_add(1);
        if completed {
            Self::complete_epoch(netuid, &run);
        } else {
            log::info!(
                target: LOG_TARGET,
                "network {netuid}: epoch of block {} at {:?} {}/{} (from {:?} {}), block {now}",
                run.started_at, run.phase, run.cursor, run.neurons, before.0, before.1,
            );
            RunningEpochs::<T>::insert(netuid, run);
        }
    }

    /// Runs units of work until the meter or the epoch runs out; true when it completed.
    pub(crate) fn run_phases(
        netuid: u16,
        now: u64,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
    ) -> bool {
        use EpochPhase as P;
        // A `u32` neuron count and cursor fit a `usize`.
        let n = usize::try_from(run.neurons).defensive_unwrap_or(0);
        loop {
            // Direct ranking skips the transitive passes, before paying for their vectors.
            if run.phase == P::Transitive && v.transitive::<T>().is_none() {
                run.next_phase();
                continue;
            }
            if !v.is_charged(run.phase) {
                let vectors = Self::phase_vectors_weight(run.phase, run.neurons);
                if meter.try_consume(vectors).is_err() {
                    return false;
                }
                v.charge(run.phase);
            }
            let cursor = usize::try_from(run.cursor).defensive_unwrap_or(usize::MAX);
            let progressed = match run.phase {
                // The whole-network steps run whatever the cursor; each moves on itself.
                P::Stake | P::Rank | P::Emission => Self::network_step(netuid, now, run, v, meter),
                // Its passes end where it decides (another pass, or the next phase).
                P::Transitive => Self::transitive_step(netuid, run, v, meter, n, cursor),
                // The other phases end when the cursor reaches the end of the uids (or
                // rows), where `Order`'s step leaves it; after the last, the epoch is
                // complete.
                _ if cursor >= n => {
                    if !run.next_phase() {
                        return true;
                    }
                    true
                }
                P::Gather => Self::gather_step(netuid, run, v, meter, n, cursor),
                P::FirstPass | P::SecondPass => Self::row_step(netuid, run, v, meter, cursor),
                P::Consensus => Self::consensus_step(run, v, meter, cursor),
                P::Credit => Self::credit_step(netuid, run, v, meter, n, cursor),
                P::Order => Self::network_step(netuid, now, run, v, meter),
            };
            if !progressed {
                return false;
            }
        }
    }

    /// `Gather`: as many uids as the meter allows, up to a page's worth (what
    /// `epoch_gather(k)` was measured on). False when none fit.
    fn gather_step(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
        n: usize,
        cursor: usize,
    ) -> bool {
        let room = n.saturating_sub(cursor).min(PAGE_SIZE as usize);
        let k = Self::units_that_fit(room, meter, Self::gather_weight);
        if k == 0 {
            return false;
        }
        meter.consume(Self::gather_weight(k));
        let end = cursor.saturating_add(k);
        for i in cursor..end {
            Self::gather_unit(netuid, v, i);
        }
        // At most `n`, a `u32`.
        run.cursor = u32::try_from(end).defensive_unwrap_or(u32::MAX);
        true
    }

    /// A row of either pass, and the page of bonds it is on if the pass has yet to load
    /// it. False when they do not fit.
    fn row_step(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
        cursor: usize,
    ) -> bool {
        let phase = run.phase;
        let needs_page = !v.has_bond_page(phase, cursor);
        let page = if needs_page {
            Self::bond_page_max()
        } else {
            Weight::zero()
        };
        if !meter.can_consume(Self::row_max(phase).saturating_add(page)) {
            return false;
        }
        if needs_page {
            let entries = v.load_bond_page::<T>(phase, cursor);
            meter.consume(match phase {
                EpochPhase::SecondPass => Self::rewritten_bond_page_weight(entries),
                _ => Self::bond_page_weight(entries),
            });
        }
        let (entries, bonds) = Self::row_unit(netuid, run, v, cursor);
        meter.consume(Self::row_weight(phase, entries, bonds));
        run.cursor = run.cursor.saturating_add(1);
        true
    }

    /// `Transitive`: the cursor's row of the current pass; at the end of the rows, another
    /// pass or the next phase ([`mindnet_math::epoch::transitive_done`]). False when the
    /// row does not fit.
    fn transitive_step(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
        n: usize,
        cursor: usize,
    ) -> bool {
        let Some(mut t) = v.transitive::<T>() else {
            run.next_phase();
            return true;
        };
        if cursor >= n {
            let completed = t.pass.saturating_add(1);
            let in_flight = mindnet_math::Fixed::from_bits(t.in_flight);
            if mindnet_math::epoch::transitive_done(in_flight, completed, t.iterations) {
                run.next_phase();
            } else {
                t.pass = completed;
                t.in_flight = 0;
                run.cursor = 0;
                v.set_transitive(t);
            }
            return true;
        }
        if !meter.can_consume(Self::row_max(EpochPhase::Transitive)) {
            return false;
        }
        if cursor == 0 {
            // A pass starts: what it passes on starts from zero, as does `N` in the first.
            let zeros = alloc::vec![mindnet_math::Fixed::from_num(0); n];
            if t.pass == 0 {
                v.put::<T>(VectorKind::Absorbed, zeros.clone());
            }
            v.put::<T>(Self::flow_written(t.pass), zeros);
        }
        let entries = Self::transitive_unit(netuid, v, &mut t, cursor);
        meter.consume(Self::row_weight(EpochPhase::Transitive, entries, 0));
        run.cursor = run.cursor.saturating_add(1);
        v.set_transitive(t);
        true
    }

    /// The vector of stake in flight that pass `pass` writes (the next pass reads it).
    pub(crate) fn flow_written(pass: u8) -> VectorKind {
        if pass.is_multiple_of(2) {
            VectorKind::FlowEven
        } else {
            VectorKind::FlowOdd
        }
    }

    /// `Consensus` for the cursor's uid. False when it does not fit.
    fn consensus_step(
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
        cursor: usize,
    ) -> bool {
        if meter.try_consume(T::WeightInfo::epoch_consensus()).is_err() {
            return false;
        }
        Self::consensus_unit(run, v, cursor);
        run.cursor = run.cursor.saturating_add(1);
        true
    }

    /// A whole-network step (`Stake`, `Rank`, `Emission`, `Order`). False when it does not
    /// fit.
    fn network_step(
        netuid: u16,
        now: u64,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
    ) -> bool {
        let weight = Self::whole_network_weight(run.phase, run.neurons);
        if meter.try_consume(weight).is_err() {
            return false;
        }
        Self::vector_unit(netuid, now, run, v);
        true
    }

    /// `Credit`: as many uids as the meter allows at their worst, up to the end of the
    /// cursor's results page (what `epoch_credit` was measured on); then what they cost.
    /// False when none fit.
    fn credit_step(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
        n: usize,
        cursor: usize,
    ) -> bool {
        let page = PAGE_SIZE as usize;
        let page_end = cursor
            .checked_div(page)
            .defensive_unwrap_or(0)
            .saturating_add(1)
            .saturating_mul(page)
            .min(n);
        let room = page_end.saturating_sub(cursor);
        let k = Self::units_that_fit(room, meter, Self::credit_worst);
        if k == 0 {
            return false;
        }
        let end = cursor.saturating_add(k);
        let copied = Self::credit_range(netuid, run, v, cursor, end);
        meter.consume(Self::credit_weight(k, copied));
        // At most `n`, a `u32`.
        run.cursor = u32::try_from(end).defensive_unwrap_or(u32::MAX);
        true
    }
}
