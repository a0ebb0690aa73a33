//! The epoch's units of work, each the math crate's step on the vectors: a uid of `Gather`
//! or `Consensus`, a row of either pass, and the whole-network steps `Stake`, `Rank`,
//! `Emission` and `Order`.

use super::{vectors::int_bits, EpochPhase, EpochRun, VectorKind, Vectors};
use crate::*;
use alloc::vec::Vec;
use frame_support::traits::Defensive;
use mindnet_math::{epoch as steps, fixed::Scale, Fixed, NeuronState};

impl<T: Config> Pallet<T> {
    /// `Gather` for uid `i`: its stake (zero if it never voted), last update and
    /// registration, as the epoch sees them.
    pub(crate) fn gather_unit(netuid: u16, v: &mut Vectors, i: usize) {
        use VectorKind as K;
        // A uid of the epoch (`i < n ≤ 65,536`).
        let uid = u16::try_from(i).defensive_unwrap_or(u16::MAX);
        let copied = v.is_copied::<T>(uid);
        let inputs = Self::epoch_inputs(netuid, uid, copied);
        let stake = if inputs.last_update.is_some() {
            inputs.stake
        } else {
            0
        };
        v.set::<T>(K::Stake, i, Fixed::from_bits(stake));
        // A uid that never set weights has last update 0 ([`VectorKind::LastUpdate`]).
        v.set::<T>(K::LastUpdate, i, int_bits(inputs.last_update.unwrap_or(0)));
        v.set::<T>(K::RegisteredAt, i, int_bits(inputs.registered_at));
    }

    /// `Consensus` for uid `i`.
    pub(crate) fn consensus_unit(run: &EpochRun, v: &mut Vectors, i: usize) {
        let params = run.params();
        let t = v.at::<T>(VectorKind::Trust, i);
        let c = steps::consensus(&[t], params.rho, params.kappa);
        // One consensus per trust given.
        v.set::<T>(
            VectorKind::Consensus,
            i,
            c.first().copied().defensive_unwrap_or_default(),
        );
    }

    /// The whole-network steps `Stake`, `Rank`, `Emission` and `Order`; each moves to the
    /// next phase (`Order` leaves its cursor at the end: the epoch is complete).
    pub(crate) fn vector_unit(netuid: u16, now: u64, run: &mut EpochRun, v: &mut Vectors) {
        match run.phase {
            EpochPhase::Stake => Self::stake_unit(run, v),
            EpochPhase::Rank => Self::rank_unit(run, v),
            EpochPhase::Order => {
                Self::order_unit(netuid, now, run, v);
                run.cursor = run.neurons;
                return;
            }
            _ => Self::emission_unit(run, v),
        }
        // `Stake`, `Rank` and `Emission` each have a next phase.
        run.next_phase();
    }

    /// `Stake`: the active stake `s`, normalised.
    fn stake_unit(run: &mut EpochRun, v: &mut Vectors) {
        use VectorKind as K;
        let params = run.params();
        let neurons: Vec<NeuronState> = v
            .get::<T>(K::Stake)
            .iter()
            .map(|s| NeuronState {
                stake: s.to_bits(),
                ..Default::default()
            })
            .collect::<Vec<_>>()
            .into_iter()
            .zip(v.get::<T>(K::LastUpdate).iter())
            .map(|(mut x, u)| {
                // Written by `int_bits` from a `u64`.
                x.last_update = u64::try_from(u.to_bits()).defensive_unwrap_or(u64::MAX);
                x
            })
            .collect();
        let active = steps::active_mask(run.started_at, params.activity_cutoff, &neurons);
        let s = steps::active_stake(&neurons, &active);
        run.any_stake = s.iter().any(|x| *x > Fixed::from_num(0));
        v.put::<T>(K::Stake, s);
    }

    /// `Rank`: `R`, `I` and `L`, and the second pass's scales `γ` and `β`.
    fn rank_unit(run: &mut EpochRun, v: &mut Vectors) {
        use VectorKind as K;
        let params = run.params();
        // Read only: loaded, then borrowed together without marking them for saving.
        for kind in [K::Consensus, K::RawRank, K::OldBondColumns] {
            v.get::<T>(kind);
        }
        // Transitive ranking replaces `r` in steps 4, 7 and 13 by `N`; the bonds stay direct.
        let ranked = if v.transitive::<T>().is_some() {
            v.get::<T>(K::Absorbed);
            K::Absorbed
        } else {
            K::RawRank
        };
        let (raw_rank, consensus) = (v.loaded(K::RawRank), v.loaded(K::Consensus));
        let (rank, incentive, loss) =
            mindnet_math::rank_incentive_loss(v.loaded(ranked), consensus);
        let (delta, bond) =
            steps::second_pass_scales(raw_rank, v.loaded(K::OldBondColumns), params.alpha);
        let bits = |scales: Vec<Scale>| -> Vec<Fixed> {
            scales
                .iter()
                .map(|s| Fixed::from_bits(s.to_bits()))
                .collect()
        };
        v.put::<T>(K::Rank, rank);
        v.put::<T>(K::Incentive, incentive);
        v.put::<T>(K::DeltaScale, bits(delta));
        v.put::<T>(K::BondScale, bits(bond));
        run.loss = loss.to_bits();
    }

    /// `Emission`: the dividends `D`, and the base units minted to each uid.
    fn emission_unit(run: &mut EpochRun, v: &mut Vectors) {
        use VectorKind as K;
        let params = run.params();
        let raw = v.take::<T>(K::Dividends);
        let (dividends, _, minted) = mindnet_math::dividends_and_emission(
            raw,
            v.get::<T>(K::Incentive),
            params.delta,
            run.emission,
        );
        v.put::<T>(K::Dividends, dividends);
        v.put::<T>(K::Emission, minted.iter().map(|m| int_bits(*m)).collect());
        run.minted = minted.iter().fold(0u64, |a, m| a.saturating_add(*m));
    }

    /// `Order`: records the replacement order.
    fn order_unit(netuid: u16, now: u64, run: &EpochRun, v: &mut Vectors) {
        use VectorKind as K;
        // Replaceable: held by the hotkey that held it at the boundary (registered before
        // the epoch started; `take_replacement` checks that it still is) and past its
        // immunity period now.
        let immunity = ImmunityPeriod::<T>::get(netuid);
        let replaceable: Vec<bool> = (0..v.n)
            .map(|i| {
                let registered = v.int::<T>(K::RegisteredAt, i);
                registered < run.started_at && now.saturating_sub(registered) >= immunity
            })
            .collect();
        let minted: Vec<u64> = (0..v.n).map(|i| v.int::<T>(K::Emission, i)).collect();
        Self::record_replacement_order(netuid, run.started_at, &minted, &replaceable);
    }

    /// One row of a pass; returns the row's weight entries and bonds (what it cost).
    pub(crate) fn row_unit(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        i: usize,
    ) -> (u32, u32) {
        use VectorKind as K;
        // A row of the epoch (`i < n ≤ 65,536`).
        let uid = u16::try_from(i).defensive_unwrap_or(u16::MAX);
        let params = run.params();
        let last_update = v.int::<T>(K::LastUpdate, i);
        let s_i = v.at::<T>(K::Stake, i);
        let copied = v.is_copied::<T>(uid);
        let row = Self::epoch_weights(netuid, uid, copied);
        let registered = v.take_registered::<T>();
        let stored_bonds = v.bond_row(i);
        // A row holds at most `MaxWeightsPerRow` weights and `MAX_BONDS_PER_ROW` bonds.
        let cost = (
            u32::try_from(row.len()).defensive_unwrap_or(u32::MAX),
            u32::try_from(stored_bonds.len()).defensive_unwrap_or(u32::MAX),
        );
        let registrations = steps::Registrations::checking_each(&registered);
        let x = steps::weighted_row(
            i,
            &row,
            last_update,
            &registrations,
            params.mask_self_weight,
            s_i,
        );
        let previous = steps::previous_bond_row(i, stored_bonds, &registrations, run.cover);
        v.put_registered(registered);
        match run.phase {
            EpochPhase::FirstPass => Self::first_pass_row(run, v, i, &x, s_i, &previous),
            _ => Self::second_pass_row(v, i, &x, &previous),
        }
        cost
    }

    /// Row `j` of the transitive ranking's current pass: `j` keeps its self-weight's share
    /// of the stake that reached it and passes the rest on. Returns the row's weight
    /// entries (what it cost).
    pub(crate) fn transitive_unit(
        netuid: u16,
        v: &mut Vectors,
        t: &mut super::TransitiveRun,
        j: usize,
    ) -> u32 {
        use VectorKind as K;
        // A row of the epoch (`j < n ≤ 65,536`).
        let uid = u16::try_from(j).defensive_unwrap_or(u16::MAX);
        let last_update = v.int::<T>(K::LastUpdate, j);
        // The first pass starts from the active stake; each later one from what the
        // previous pass passed on.
        let x_j = match t.pass.checked_sub(1) {
            None => v.at::<T>(K::Stake, j),
            Some(previous) => v.at::<T>(Self::flow_written(previous), j),
        };
        let copied = v.is_copied::<T>(uid);
        let row = Self::epoch_weights(netuid, uid, copied);
        let registered = v.take_registered::<T>();
        let registrations = steps::Registrations::checking_each(&registered);
        let written = Self::flow_written(t.pass);
        let mut pass = steps::TransitivePass {
            absorbed: v.take::<T>(K::Absorbed),
            next: v.take::<T>(written),
            in_flight: Fixed::from_bits(t.in_flight),
        };
        pass.add_row(
            j,
            steps::flow_entries(j, &row, last_update, &registrations, x_j),
        );
        v.put_registered(registered);
        v.put::<T>(K::Absorbed, pass.absorbed);
        v.put::<T>(written, pass.next);
        t.in_flight = pass.in_flight.to_bits();
        // A row holds at most `MaxWeightsPerRow` weights.
        u32::try_from(row.len()).defensive_unwrap_or(u32::MAX)
    }

    /// Adds row `i` (`x`: its `W_ij s_i`) to the first pass's sums.
    fn first_pass_row(
        run: &mut EpochRun,
        v: &mut Vectors,
        i: usize,
        x: &[(u16, Fixed)],
        s_i: Fixed,
        previous: &[(u16, Fixed)],
    ) {
        use VectorKind as K;
        let mut first = steps::FirstPass {
            raw_rank: v.take::<T>(K::RawRank),
            trust: v.take::<T>(K::Trust),
            old_bond_columns: v.take::<T>(K::OldBondColumns),
            own: Fixed::from_bits(run.own),
            all: Fixed::from_bits(run.all),
        };
        first.add_row(i, x.iter().copied(), s_i, previous.iter().copied());
        v.put::<T>(K::RawRank, first.raw_rank);
        v.put::<T>(K::Trust, first.trust);
        v.put::<T>(K::OldBondColumns, first.old_bond_columns);
        run.own = first.own.to_bits();
        run.all = first.all.to_bits();
    }

    /// Row `i`'s new bonds (stored on the loaded page) and `Σ_j B'_ij I_j`.
    fn second_pass_row(v: &mut Vectors, i: usize, x: &[(u16, Fixed)], previous: &[(u16, Fixed)]) {
        use VectorKind as K;
        let scales = v.take_scales::<T>();
        // Read only: loaded, then borrowed without marking it for saving.
        v.get::<T>(K::Incentive);
        let (stored, d) = steps::SecondPass {
            delta_scale: &scales.0,
            bond_scale: &scales.1,
            incentive: v.loaded(K::Incentive),
        }
        .row(x.iter().copied(), previous.iter().copied());
        v.put_scales(scales);
        v.set::<T>(K::Dividends, i, d);
        v.set_bond_row(i, stored);
    }
}
