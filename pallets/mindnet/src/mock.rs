//! A mock runtime: frame-system, pallet-balances and the mindnet pallet.

use crate as pallet_mindnet;
use frame_support::{derive_impl, parameter_types, traits::Hooks};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Mindnet: pallet_mindnet,
    }
);

parameter_types! {
    /// The runtime's limits: two seconds of compute per block, no proof-size limit.
    pub MockBlockWeights: frame_system::limits::BlockWeights =
        frame_system::limits::BlockWeights::with_sensible_defaults(
            frame_support::weights::Weight::from_parts(
                2 * frame_support::weights::constants::WEIGHT_REF_TIME_PER_SECOND,
                u64::MAX,
            ),
            sp_runtime::Perbill::from_percent(75),
        );
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type BlockWeights = MockBlockWeights;
    /// The runtime's database weights, so the epoch's budget is spent as on the chain.
    type DbWeight = frame_support::weights::constants::ParityDbWeight;
    type Block = Block;
    type AccountId = AccountId;
    type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
    type AccountData = pallet_balances::AccountData<Balance>;
}

parameter_types! {
    pub const ExistentialDeposit: Balance = 500;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type Balance = Balance;
    type ExistentialDeposit = ExistentialDeposit;
    type AccountStore = System;
}

parameter_types! {
    pub const NetworksLimit: u16 = 8;
    /// Static so that the release-profile scale test can raise them to the runtime's.
    pub static NeuronsLimit: u32 = 64;
    pub static RowLimit: u32 = 16;
    pub const MindnetPalletId: frame_support::PalletId = frame_support::PalletId(*b"mindnet0");
}

/// Test signatures: `TestSignature(signer, message)` verifies when both match.
pub type Signature = sp_runtime::testing::TestSignature;

/// Benchmarks sign with test signatures too.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_mindnet::BenchmarkHelper<AccountId, Signature> for MockBenchmarkHelper {
    fn hotkey_consent(index: u32, payload: &[u8]) -> (AccountId, Signature) {
        let hotkey = 1_000_000 + u64::from(index);
        (
            hotkey,
            sp_runtime::testing::TestSignature(hotkey, payload.to_vec()),
        )
    }
}

impl pallet_mindnet::Config for Test {
    type Currency = Balances;
    type Signature = Signature;
    type PalletId = MindnetPalletId;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = MockBenchmarkHelper;
    type WeightInfo = crate::weights::SubstrateWeight<Test>;
    type MaxNetworks = NetworksLimit;
    type MaxNeurons = NeuronsLimit;
    type MaxWeightsPerRow = RowLimit;
}

/// One token in base units.
pub const TOKEN: Balance = 1_000_000_000;

/// Coldkeys 1..=9 hold 1,000 tokens each; network 0 exists with tempo 10.
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=9).map(|a| (a, 1_000 * TOKEN)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    pallet_mindnet::GenesisConfig::<Test> {
        networks: vec![(0, 10)],
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// `hotkey`'s consent to being registered on `netuid` by `coldkey` until `deadline`.
pub fn consent(hotkey: AccountId, netuid: u16, coldkey: AccountId, deadline: u64) -> Signature {
    sp_runtime::testing::TestSignature(
        hotkey,
        mindnet_math::consent::wrap(&Mindnet::registration_payload(netuid, &coldkey, deadline)),
    )
}

/// Advances to block `n`, running `on_initialize` at each block as the executive would.
pub fn run_to_block(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Mindnet::on_initialize(next);
    }
}
