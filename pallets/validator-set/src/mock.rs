//! A test runtime: System, Balances, this pallet and `pallet-session` (10-block sessions,
//! one dummy session key per validator, at most a third of the set disabled), with
//! `pallet_session::historical`'s roots (3 sessions kept). Accounts 1–3 validate at genesis; 1–6 have
//! session keys.

use crate as pallet_validator_set;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::{
    impl_opaque_keys,
    testing::UintAuthorityId,
    traits::{ConvertInto, OpaqueKeys},
    BuildStorage, KeyTypeId, RuntimeAppPublic,
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        ValidatorSet: pallet_validator_set,
        Session: pallet_session,
        Historical: pallet_session::historical,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type AccountStore = System;
}

impl_opaque_keys! {
    pub struct MockSessionKeys {
        pub dummy: UintAuthorityId,
    }
}

/// Session key (dummy) of account `who`.
pub fn keys(who: u64) -> MockSessionKeys {
    MockSessionKeys {
        dummy: UintAuthorityId(who),
    }
}

/// Records the authority set the session pallet hands to the consensus pallets.
pub struct TestSessionHandler;
impl pallet_session::SessionHandler<u64> for TestSessionHandler {
    const KEY_TYPE_IDS: &'static [KeyTypeId] = &[UintAuthorityId::ID];
    fn on_genesis_session<K: OpaqueKeys>(validators: &[(u64, K)]) {
        AUTHORITIES.with(|a| *a.borrow_mut() = validators.iter().map(|(v, _)| *v).collect());
    }
    fn on_new_session<K: OpaqueKeys>(
        _changed: bool,
        validators: &[(u64, K)],
        _queued: &[(u64, K)],
    ) {
        AUTHORITIES.with(|a| *a.borrow_mut() = validators.iter().map(|(v, _)| *v).collect());
    }
    fn on_disabled(_validator_index: u32) {}
}

std::thread_local! {
    static AUTHORITIES: core::cell::RefCell<Vec<u64>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The authorities the session pallet last handed over (Aura's and GRANDPA's view).
pub fn authorities() -> Vec<u64> {
    AUTHORITIES.with(|a| a.borrow().clone())
}

parameter_types! {
    pub const KeyDeposit: u64 = 10;
}

impl pallet_session::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type ValidatorId = u64;
    type ValidatorIdOf = ConvertInto;
    type ShouldEndSession = pallet_validator_set::RotatedByValidatorSet;
    type NextSessionRotation =
        pallet_session::PeriodicSessions<pallet_validator_set::SessionPeriod<Test>, ConstU64<0>>;
    type SessionManager = pallet_session::historical::NoteHistoricalRoot<Test, ValidatorSet>;
    type SessionHandler = TestSessionHandler;
    type Keys = MockSessionKeys;
    type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
    type WeightInfo = ();
    type Currency = Balances;
    type KeyDeposit = KeyDeposit;
}

impl pallet_session::historical::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type FullIdentification = ();
    type FullIdentificationOf = pallet_validator_set::offences::Identified;
}

impl pallet_validator_set::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type AddRemoveOrigin = EnsureRoot<u64>;
    type ValidatorRegistration = Session;
    type MaxValidators = ConstU32<4>;
    type MinValidators = ConstU32<1>;
    type HistoryDepth = ConstU32<3>;
    type WeightInfo = ();
}

/// Genesis: accounts 1–6 funded and with session keys, 1–3 validating, 10-block sessions.
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=6).map(|who| (who, 1_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut storage)
    .unwrap();
    pallet_validator_set::GenesisConfig::<Test> {
        initial_validators: vec![1, 2, 3],
        session_length: 10,
    }
    .assimilate_storage(&mut storage)
    .unwrap();
    pallet_session::GenesisConfig::<Test> {
        keys: (1..=3).map(|who| (who, who, keys(who))).collect(),
        non_authority_keys: (4..=6).map(|who| (who, who, keys(who))).collect(),
    }
    .assimilate_storage(&mut storage)
    .unwrap();
    let mut ext = sp_io::TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Runs blocks up to `n`, rotating sessions as the runtime does.
pub fn run_to_block(n: u64) {
    use frame_support::traits::Hooks;
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        ValidatorSet::on_initialize(next);
        Session::on_initialize(next);
    }
}
