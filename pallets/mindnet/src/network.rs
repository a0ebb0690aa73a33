//! Networks and their parameters.

use crate::*;
use frame_support::{ensure, pallet_prelude::*};
use mindnet_math::{fixed, EpochParams};
use sp_runtime::traits::Zero;

/// One network parameter and its new value, as root sets it with
/// [`Pallet::set_parameter`]. Ranges are checked; a value outside its range fails with
/// [`Error::ParameterOutOfRange`] and changes nothing.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum NetworkParameter<Balance> {
    /// Blocks between epochs, at least 1.
    Tempo(u16),
    /// `ρ`, the consensus sigmoid's steepness.
    Rho(u32),
    /// `κ`, the trust at which consensus is ½.
    Kappa(Perbill),
    /// `α`, the bonds' moving-average rate.
    BondsMovingAverage(Perbill),
    /// `δ`, the dividends' share of emission.
    DividendShare(Perbill),
    /// Blocks a neuron stays active after setting weights.
    ActivityCutoff(u64),
    /// Whether self-weights are dropped.
    MaskSelfWeight(bool),
    /// Base units minted per block.
    BlockEmission(u64),
    /// The loss peg's margin below zero.
    LossMargin(Perbill),
    /// At least 1 and at most `MaxWeightsPerRow`.
    MinAllowedWeights(u16),
    /// At least `MinAllowedWeights` and at most the runtime's `MaxWeightsPerRow`.
    MaxWeightsPerRow(u16),
    /// At least the current neuron count and at most the runtime's `MaxNeurons`.
    MaxAllowedUids(u32),
    /// Blocks after registration during which a neuron cannot be replaced.
    ImmunityPeriod(u64),
    /// The lowest `version_key` `set_weights` accepts.
    WeightsVersionKey(u64),
    /// Blocks between two `set_weights` of a neuron.
    WeightsSetRateLimit(u64),
    /// Balance burned by `register`.
    RegistrationFee(Balance),
    /// Whether adaptive τ runs.
    AdaptiveEmission(bool),
    /// The self-weight share adaptive τ steers toward.
    SparsityTarget(Perbill),
    /// `γ`, adaptive τ's step.
    EmissionAdjustment(Perbill),
    /// Adaptive τ's floor, at most `MaxBlockEmission`.
    MinBlockEmission(u64),
    /// Adaptive τ's ceiling, at least `MinBlockEmission`.
    MaxBlockEmission(u64),
    /// The least stake a coldkey may hold behind a hotkey, at least 1.
    MinStake(Balance),
    /// The most a hotkey's owner takes of its emission.
    MaxTake(Perbill),
    /// The largest L1 change of a normalised weight row, in parts per billion, at most
    /// 2,000,000,000 (which bounds nothing).
    MaxWeightChange(u32),
    /// Direct or transitive ranking.
    Ranking(RankingMode),
    /// The transitive ranking's most passes, 1 to [`MAX_TRANSITIVE_ITERATIONS`].
    TransitiveIterations(u8),
    /// Whether weights are committed and revealed (`set_weights` refused while set).
    CommitReveal(bool),
    /// Epochs from a commit to its reveal, 1 to `MAX_REVEAL_DELAY`.
    RevealDelay(u16),
}

/// How a network ranks its neurons (MECHANISM.md step 4 and "Transitive ranking").
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum RankingMode {
    /// `r_j = Σ_i W_ij s_i`.
    #[default]
    Direct,
    /// The stake the weight graph absorbs, in up to `TransitiveIterations` passes.
    Transitive,
}

impl From<RankingMode> for mindnet_math::epoch::Ranking {
    fn from(mode: RankingMode) -> Self {
        match mode {
            RankingMode::Direct => Self::Direct,
            RankingMode::Transitive => Self::Transitive,
        }
    }
}

/// The most passes a transitive ranking may take: each is a pass over every weight row,
/// as long as the first pass.
pub const MAX_TRANSITIVE_ITERATIONS: u8 = 32;

/// A [`Perbill`] as the math crate's fixed point.
pub(crate) fn perbill_to_fixed(p: Perbill) -> mindnet_math::Fixed {
    fixed::from_parts_per_billion(p.deconstruct())
}

/// A fraction in `[0, 1]` as a [`Perbill`].
pub(crate) fn fixed_to_perbill(v: mindnet_math::Fixed) -> Perbill {
    Perbill::from_parts(fixed::to_parts_per_billion(v))
}

impl<T: Config> Pallet<T> {
    /// Whether network `netuid` exists.
    pub fn network_exists(netuid: u16) -> bool {
        NetworksAdded::<T>::contains_key(netuid)
    }

    pub(crate) fn do_create_network(netuid: u16) -> DispatchResult {
        ensure!(
            !Self::network_exists(netuid),
            Error::<T>::NetworkAlreadyExists
        );
        let count = TotalNetworks::<T>::get();
        ensure!(count < T::MaxNetworks::get(), Error::<T>::TooManyNetworks);
        NetworksAdded::<T>::insert(netuid, ());
        TotalNetworks::<T>::put(count.saturating_add(1));
        // The first epoch mints for the blocks since the network was created.
        LastEpochBlock::<T>::insert(netuid, Self::current_block());
        Self::deposit_event(Event::NetworkCreated { netuid });
        Ok(())
    }

    pub(crate) fn do_set_parameter(
        netuid: u16,
        parameter: NetworkParameter<BalanceOf<T>>,
    ) -> DispatchResult {
        use NetworkParameter as P;
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        let in_range = match parameter {
            P::Tempo(v) => v >= 1,
            P::MinAllowedWeights(v) => v >= 1 && v <= MaxWeightsPerRow::<T>::get(netuid),
            P::MaxWeightsPerRow(v) => {
                v >= MinAllowedWeights::<T>::get(netuid)
                    && u32::from(v) <= T::MaxWeightsPerRow::get()
            }
            P::MaxAllowedUids(v) => {
                v >= 1 && v >= NeuronCount::<T>::get(netuid) && v <= T::MaxNeurons::get()
            }
            P::MinBlockEmission(v) => v <= MaxBlockEmission::<T>::get(netuid),
            P::MaxBlockEmission(v) => v >= MinBlockEmission::<T>::get(netuid),
            P::MinStake(v) => !v.is_zero(),
            P::MaxWeightChange(v) => v <= MAX_WEIGHT_CHANGE_LIMIT,
            P::TransitiveIterations(v) => (1..=MAX_TRANSITIVE_ITERATIONS).contains(&v),
            P::RevealDelay(v) => (1..=crate::commit_reveal::MAX_REVEAL_DELAY).contains(&v),
            _ => true,
        };
        ensure!(in_range, Error::<T>::ParameterOutOfRange);
        match parameter {
            P::Tempo(v) => Tempo::<T>::insert(netuid, v),
            P::Rho(v) => Rho::<T>::insert(netuid, v),
            P::Kappa(v) => Kappa::<T>::insert(netuid, v),
            P::BondsMovingAverage(v) => BondsMovingAverage::<T>::insert(netuid, v),
            P::DividendShare(v) => DividendShare::<T>::insert(netuid, v),
            P::ActivityCutoff(v) => ActivityCutoff::<T>::insert(netuid, v),
            P::MaskSelfWeight(v) => MaskSelfWeight::<T>::insert(netuid, v),
            P::BlockEmission(v) => BlockEmission::<T>::insert(netuid, v),
            P::LossMargin(v) => LossMargin::<T>::insert(netuid, v),
            P::MinAllowedWeights(v) => MinAllowedWeights::<T>::insert(netuid, v),
            P::MaxWeightsPerRow(v) => MaxWeightsPerRow::<T>::insert(netuid, v),
            P::MaxAllowedUids(v) => MaxAllowedUids::<T>::insert(netuid, v),
            P::ImmunityPeriod(v) => ImmunityPeriod::<T>::insert(netuid, v),
            P::WeightsVersionKey(v) => WeightsVersionKey::<T>::insert(netuid, v),
            P::WeightsSetRateLimit(v) => WeightsSetRateLimit::<T>::insert(netuid, v),
            P::RegistrationFee(v) => RegistrationFee::<T>::insert(netuid, v),
            P::AdaptiveEmission(v) => AdaptiveEmission::<T>::insert(netuid, v),
            P::SparsityTarget(v) => SparsityTarget::<T>::insert(netuid, v),
            P::EmissionAdjustment(v) => EmissionAdjustment::<T>::insert(netuid, v),
            P::MinBlockEmission(v) => MinBlockEmission::<T>::insert(netuid, v),
            P::MaxBlockEmission(v) => MaxBlockEmission::<T>::insert(netuid, v),
            P::MinStake(v) => MinStake::<T>::insert(netuid, v),
            P::MaxTake(v) => MaxTake::<T>::insert(netuid, v),
            P::MaxWeightChange(v) => MaxWeightChange::<T>::insert(netuid, v),
            P::Ranking(v) => NetworkRanking::<T>::insert(netuid, v),
            P::TransitiveIterations(v) => TransitiveIterations::<T>::insert(netuid, v),
            P::CommitReveal(v) => CommitReveal::<T>::insert(netuid, v),
            P::RevealDelay(v) => RevealDelay::<T>::insert(netuid, v),
        }
        Self::deposit_event(Event::ParameterSet { netuid, parameter });
        Ok(())
    }

    /// The epoch parameters of network `netuid` in the math crate's form.
    pub fn epoch_params(netuid: u16) -> EpochParams {
        EpochParams {
            rho: mindnet_math::Fixed::from_num(Rho::<T>::get(netuid)),
            kappa: perbill_to_fixed(Kappa::<T>::get(netuid)),
            alpha: perbill_to_fixed(BondsMovingAverage::<T>::get(netuid)),
            delta: perbill_to_fixed(DividendShare::<T>::get(netuid)),
            activity_cutoff: ActivityCutoff::<T>::get(netuid),
            mask_self_weight: MaskSelfWeight::<T>::get(netuid),
            ranking: NetworkRanking::<T>::get(netuid).into(),
            transitive_iterations: TransitiveIterations::<T>::get(netuid),
        }
    }
}
