//! Tests of the mindnet pallet against the mock runtime, split by topic.

mod commit_reveal;
mod epoch;
mod multiblock;
mod network;
mod neurons;
mod random_calls;
mod scale;
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

/// Sets the row of `hotkey` on network 0.
pub fn vote(hotkey: AccountId, uids: Vec<u16>, values: Vec<u16>) -> sp_runtime::DispatchResult {
    Mindnet::set_weights(RuntimeOrigin::signed(hotkey), 0, uids, values, 0)
}

/// Root sets `parameter` on network 0.
pub fn set(parameter: NetworkParameter<Balance>) {
    assert_ok!(Mindnet::set_parameter(RuntimeOrigin::root(), 0, parameter));
}

/// Hotkeys 11 and 12 (coldkeys 1 and 2) with 100 tokens each, voting for each other from
/// block 11 on; an epoch every 10 blocks.
pub fn two_voters() {
    register_many(2);
    stake(1, 11, 0, 100 * TOKEN);
    stake(2, 12, 0, 100 * TOKEN);
    run_to_block(11);
    assert_ok!(vote(11, vec![1], vec![1]));
    assert_ok!(vote(12, vec![0], vec![1]));
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

/// `uid`'s results of the last epoch.
pub fn result(netuid: u16, uid: u16) -> NeuronResult {
    Mindnet::neuron_result(netuid, uid)
}
/// `R_uid` of the last epoch.
pub fn rank(netuid: u16, uid: u16) -> Perbill {
    result(netuid, uid).rank
}
/// `T_uid` of the last epoch.
pub fn trust(netuid: u16, uid: u16) -> Perbill {
    result(netuid, uid).trust
}
/// `C_uid` of the last epoch.
pub fn consensus(netuid: u16, uid: u16) -> Perbill {
    result(netuid, uid).consensus
}
/// `I_uid` of the last epoch.
pub fn incentive(netuid: u16, uid: u16) -> Perbill {
    result(netuid, uid).incentive
}
/// `D_uid` of the last epoch.
pub fn dividends(netuid: u16, uid: u16) -> Perbill {
    result(netuid, uid).dividends
}
/// Base units minted to `uid` in the last epoch.
pub fn emission(netuid: u16, uid: u16) -> u64 {
    result(netuid, uid).emission
}

/// Makes `order` the replacement order of `netuid`, as an epoch records it.
pub fn replace_in_order(netuid: u16, order: &[u16]) {
    ReplacementOrder::<Test>::insert(
        netuid,
        0,
        frame_support::BoundedVec::truncate_from(order.to_vec()),
    );
    ReplacementPages::<Test>::insert(netuid, 1);
    ReplacementHead::<Test>::insert(netuid, 0);
    ReplacementOrderFrom::<Test>::insert(netuid, u64::MAX);
}

/// xorshift64*: a small deterministic generator, so a failing seed replays exactly.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What `mindnet_math::epoch` computes in one pass on network 0's state now, for an epoch
/// at block `now`; and the hotkeys that held the uids.
pub fn single_pass(now: u64) -> (mindnet_math::EpochOutput, Vec<Option<AccountId>>) {
    let n = NeuronCount::<Test>::get(0);
    let period = EpochIndex::<Test>::get(0);
    let mut neurons = Vec::new();
    let (mut weights, mut bonds, mut hotkeys) = (Vec::new(), Vec::new(), Vec::new());
    for uid in (0..n).map(|u| u16::try_from(u).expect("uids are u16")) {
        let hotkey = Keys::<Test>::get(0, uid);
        let last_update = LastUpdate::<Test>::try_get(0, uid).ok();
        let stake = match (hotkey, last_update) {
            (Some(h), Some(_)) => StakePools::<Test>::get(0, h)
                .map(|p| p.counted_at(period))
                .unwrap_or(0),
            _ => 0,
        };
        neurons.push(mindnet_math::NeuronState {
            stake,
            last_update: last_update.unwrap_or(0),
            registered_at: RegisteredAt::<Test>::get(0, uid),
        });
        weights.push(Weights::<Test>::get(0, uid).into_inner());
        bonds.push(Mindnet::bond_row(0, uid));
        hotkeys.push(hotkey);
    }
    let previous = LastEpochBlock::<Test>::get(0);
    let emission = BlockEmission::<Test>::get(0) * (now - previous.unwrap_or(0));
    let out = mindnet_math::epoch(
        &Mindnet::epoch_params(0),
        &mindnet_math::EpochInput {
            block: now,
            emission,
            neurons: &neurons,
            weights: &weights,
            bonds: &bonds,
            bonds_cover_registrations_up_to: previous.map(|b| b - 1).unwrap_or(0),
        },
    );
    (out, hotkeys)
}
