//! Tests of the mindnet pallet against the mock runtime, split by topic.

mod epoch;
mod network;
mod neurons;
mod staking;

use crate::{mock::*, *};
use frame_support::assert_ok;

/// Registers `hotkey` on `netuid`, signed by `coldkey`.
pub fn register(coldkey: AccountId, hotkey: AccountId, netuid: u16) {
    assert_ok!(Mindnet::register(
        RuntimeOrigin::signed(coldkey),
        netuid,
        hotkey
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
