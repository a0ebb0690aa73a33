//! The runtime's fee configuration: a block of bytes costs what a block of weight costs, and
//! the fee multiplier follows how full blocks are.

use frame_support::{dispatch::DispatchClass, traits::IntegrityTest, weights::Weight};
use mindnet_runtime::{
    configs::{RuntimeBlockLength, RuntimeBlockWeights, TRANSACTION_BYTE_FEE},
    Runtime, System, TransactionPayment,
};
use pallet_transaction_payment::{Multiplier, MultiplierUpdate};
use sp_runtime::{
    traits::{Convert, One},
    FixedPointNumber,
};

/// The runtime's fee multiplier update.
type FeeUpdate = <Runtime as pallet_transaction_payment::Config>::FeeMultiplierUpdate;

/// The most weight normal transactions may use in a block.
fn normal_max_weight() -> Weight {
    RuntimeBlockWeights::get()
        .get(DispatchClass::Normal)
        .max_total
        .expect("the normal class has a weight limit")
}

/// The multiplier that follows `previous` after a block whose normal class used `weight`.
fn next_multiplier(previous: Multiplier, weight: Weight) -> Multiplier {
    System::set_block_consumed_resources(weight, 0);
    FeeUpdate::convert(previous)
}

#[test]
fn a_block_of_bytes_costs_what_a_block_of_weight_costs() {
    let normal_max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
    let weight_fee = TransactionPayment::weight_to_fee(normal_max_weight());
    let length_fee = TransactionPayment::length_to_fee(normal_max_length);

    assert_eq!(TRANSACTION_BYTE_FEE, 381);
    assert_eq!(
        length_fee,
        TRANSACTION_BYTE_FEE * u128::from(normal_max_length)
    );
    // 1.5 MIND: 1.5 s of ref time at one base unit per ns.
    assert_eq!(weight_fee, 1_500_000_000);
    assert!(
        weight_fee.abs_diff(length_fee) * 100 <= weight_fee,
        "a full normal-class block costs {weight_fee} by weight but {length_fee} by length"
    );
}

#[test]
fn fee_multiplier_rises_after_full_blocks_and_falls_after_empty_ones() {
    sp_io::TestExternalities::new_empty().execute_with(|| {
        let one = Multiplier::one();
        let full = normal_max_weight();
        let target = FeeUpdate::target() * full.ref_time();

        assert!(next_multiplier(one, full) > one);
        assert!(next_multiplier(one, full / 2u64) > one);
        assert!(next_multiplier(one, Weight::from_parts(target / 2, 0)) < one);
        assert!(next_multiplier(one, Weight::zero()) < one);

        // Empty blocks lower it to the minimum and no further ...
        let min = FeeUpdate::min();
        assert_eq!(min, Multiplier::saturating_from_rational(1, 10));
        assert_eq!(next_multiplier(min, Weight::zero()), min);
        // ... and from there a full block raises it again.
        assert!(next_multiplier(min, full) > min);
    });
}

#[test]
fn transaction_payment_integrity_test_passes() {
    // Among its checks: a multiplier at the minimum rises after a block 1 % above the target.
    <TransactionPayment as IntegrityTest>::integrity_test();
}
