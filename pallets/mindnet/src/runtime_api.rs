//! `MindnetApi`: what wallets and dashboards read through the runtime rather than from raw
//! storage (`api.call.mindnetApi.*` in Polkadot.js).

use codec::Codec;

sp_api::decl_runtime_apis! {
    /// Stake values and the registration consent payload.
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
        /// The 32 bytes a hotkey signs to consent to being registered on `netuid` by
        /// `coldkey` until block `deadline` (pass the signature to `register`).
        fn registration_payload(netuid: u16, coldkey: AccountId, deadline: u64) -> [u8; 32];
    }
}
