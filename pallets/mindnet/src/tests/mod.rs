//! Tests of the mindnet pallet against the mock runtime, split by topic.

mod epoch;
mod network;
mod neurons;
mod random_calls;
mod security;
mod staking;

use crate::{mock::*, *};
use frame_support::assert_ok;

/// The deadline the tests' consents carry.
pub const DEADLINE: u64 = 1_000;

/// `register` signed by `coldkey`, with `hotkey`'s consent.
pub fn try_register(
    coldkey: AccountId,
    hotkey: AccountId,
    netuid: u16,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
    Mindnet::register(
        RuntimeOrigin::signed(coldkey),
        netuid,
        hotkey,
        DEADLINE,
        consent(hotkey, netuid, coldkey, DEADLINE),
    )
}

/// Registers `hotkey` on `netuid`, signed by `coldkey`.
pub fn register(coldkey: AccountId, hotkey: AccountId, netuid: u16) {
    assert_ok!(try_register(coldkey, hotkey, netuid));
}

/// `coldkey` stakes `amount` behind `hotkey` on `netuid`.
pub fn stake(coldkey: AccountId, hotkey: AccountId, netuid: u16, amount: Balance) {
    assert_ok!(Mindnet::add_stake(
        RuntimeOrigin::signed(coldkey),
        netuid,
        hotkey,
        amount
    ));
}

/// Registers hotkeys `11, 12, …` for coldkeys `1, 2, …` on network 0.
pub fn register_many(count: u64) {
    for k in 1..=count {
        register(k, 10 + k, 0);
    }
}

/// Every pallet event emitted so far, oldest first.
pub fn mindnet_events() -> Vec<Event<Test>> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Mindnet(e) => Some(e),
            _ => None,
        })
        .collect()
}
