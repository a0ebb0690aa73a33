//! `MindnetApi`: what wallets and dashboards read through the runtime rather than from raw
//! storage (`api.call.mindnetApi.*` in Polkadot.js). Epoch results are stored in pages of
//! many neurons, so this is how the metagraph is read.

use crate::{AxonInfo, EpochStatus};
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;
use sp_arithmetic::Perbill;

/// Everything about one neuron: who it is, its stake, its last epoch's results, whether
/// it counts as active and where it serves.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NeuronInfo<AccountId, Balance> {
    /// The neuron's uid.
    pub uid: u16,
    /// Its hotkey.
    pub hotkey: AccountId,
    /// The coldkey that owns the hotkey.
    pub coldkey: AccountId,
    /// All stake behind the hotkey on this network (joining stake included).
    pub stake: Balance,
    /// `R`, `T`, `C`, `I`, `D` of the last epoch.
    pub rank: Perbill,
    /// `T`.
    pub trust: Perbill,
    /// `C`.
    pub consensus: Perbill,
    /// `I`.
    pub incentive: Perbill,
    /// `D`.
    pub dividends: Perbill,
    /// Base units minted to it in the last epoch.
    pub emission: u64,
    /// Block of its last `set_weights`, if it has set any.
    pub last_update: Option<u64>,
    /// Block at which its hotkey took the uid.
    pub registered_at: u64,
    /// Whether it set weights within the network's activity cutoff.
    pub active: bool,
    /// Where it serves, if it has served an axon.
    pub axon: Option<AxonInfo>,
}

/// The most neurons one `neurons_page` or `neuron_summaries` call returns: 1,024 neurons
/// of about 160 bytes (a summary about 80) keep a response near 160 KB, 330 KB as hex,
/// well inside a node's and a client's default RPC limits at any network size.
pub const NEURONS_PAGE_MAX: u16 = 1024;

/// What a learner polls of each neuron: who it is, the stake that counts in the running
/// epoch, whether it is active and where it serves.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NeuronSummary<AccountId, Balance> {
    /// The neuron's uid.
    pub uid: u16,
    /// Its hotkey.
    pub hotkey: AccountId,
    /// The stake behind it that counts in the running epoch (stake still joining that
    /// joined before this epoch included; what weighs a learner's gradients).
    pub counted_stake: Balance,
    /// Whether it set weights within the network's activity cutoff.
    pub active: bool,
    /// Where it serves, if it has served an axon.
    pub axon: Option<AxonInfo>,
}

sp_api::decl_runtime_apis! {
    /// Stake values, the registration consent payload, the metagraph and epoch progress.
    ///
    /// Version 2 adds the paged metagraph (`neurons_page`, `neuron_summaries`).
    #[api_version(2)]
    pub trait MindnetApi<AccountId, Balance>
    where
        AccountId: Codec,
        Balance: Codec,
    {
        /// The stake `coldkey` can withdraw from behind `hotkey` on `netuid` (its shares'
        /// value plus stake still joining).
        fn stake_of(netuid: u16, hotkey: AccountId, coldkey: AccountId) -> Balance;
        /// All stake behind `hotkey` on `netuid`.
        fn hotkey_stake(netuid: u16, hotkey: AccountId) -> Balance;
        /// The 32 bytes a hotkey signs, wrapped as `<Bytes>payload</Bytes>`, to consent to
        /// being registered on `netuid` by `coldkey` until block `deadline` (pass the
        /// signature to `register`). Compute it yourself where you can
        /// (`mindnet_math::consent`) rather than trust a node for it.
        fn registration_payload(netuid: u16, coldkey: AccountId, deadline: u64) -> [u8; 32];
        /// Every neuron of `netuid`, in uid order.
        fn neurons(netuid: u16) -> alloc::vec::Vec<NeuronInfo<AccountId, Balance>>;
        /// Neuron `uid` of `netuid`, if the uid is held.
        fn neuron(netuid: u16, uid: u16) -> Option<NeuronInfo<AccountId, Balance>>;
        /// Whether `netuid`'s epoch is running, where it stands, and when the last started.
        fn epoch_status(netuid: u16) -> EpochStatus;
        /// The neurons of `netuid` with uids `start` to `start + count − 1` that are held,
        /// in uid order; `count` is capped at [`NEURONS_PAGE_MAX`]. Page through a network
        /// of `neuron_count` uids with `start = 0, count, 2 count, …`.
        #[api_version(2)]
        fn neurons_page(
            netuid: u16,
            start: u16,
            count: u16,
        ) -> alloc::vec::Vec<NeuronInfo<AccountId, Balance>>;
        /// The same page as [`NeuronSummary`]s: what a learner polls.
        #[api_version(2)]
        fn neuron_summaries(
            netuid: u16,
            start: u16,
            count: u16,
        ) -> alloc::vec::Vec<NeuronSummary<AccountId, Balance>>;
    }
}
