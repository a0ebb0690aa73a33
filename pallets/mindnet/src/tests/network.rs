//! `create_network` and `set_parameter`.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn root_creates_networks_up_to_the_limit() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Mindnet::create_network(RuntimeOrigin::signed(1), 1),
            DispatchError::BadOrigin
        );
        assert_noop!(
            Mindnet::create_network(RuntimeOrigin::root(), 0),
            Error::<Test>::NetworkAlreadyExists
        );
        for netuid in 1..8 {
            assert_ok!(Mindnet::create_network(RuntimeOrigin::root(), netuid));
        }
        System::assert_last_event(Event::<Test>::NetworkCreated { netuid: 7 }.into());
        assert_eq!(TotalNetworks::<Test>::get(), 8);
        assert_noop!(
            Mindnet::create_network(RuntimeOrigin::root(), 100),
            Error::<Test>::TooManyNetworks
        );
        // New networks start with the MECHANISM.md defaults.
        assert_eq!(Tempo::<Test>::get(3), 100);
        assert_eq!(Rho::<Test>::get(3), 10);
        assert_eq!(Kappa::<Test>::get(3), Perbill::from_percent(50));
        assert_eq!(
            BondsMovingAverage::<Test>::get(3),
            Perbill::from_percent(10)
        );
        assert_eq!(ActivityCutoff::<Test>::get(3), 5000);
        assert_eq!(BlockEmission::<Test>::get(3), 1_000_000_000);
        assert_eq!(LossMargin::<Test>::get(3), Perbill::from_percent(5));
    });
}

#[test]
fn root_sets_every_parameter() {
    use NetworkParameter as P;
    new_test_ext().execute_with(|| {
        let all = [
            P::Tempo(7),
            P::Rho(20),
            P::Kappa(Perbill::from_percent(60)),
            P::BondsMovingAverage(Perbill::from_percent(20)),
            P::DividendShare(Perbill::from_percent(30)),
            P::ActivityCutoff(99),
            P::MaskSelfWeight(true),
            P::BlockEmission(5),
            P::LossMargin(Perbill::from_percent(1)),
            P::MinAllowedWeights(2),
            P::MaxWeightsPerRow(8),
            P::MaxAllowedUids(32),
            P::ImmunityPeriod(3),
            P::WeightsVersionKey(4),
            P::WeightsSetRateLimit(6),
            P::RegistrationFee(77),
            P::AdaptiveEmission(true),
            P::SparsityTarget(Perbill::from_percent(40)),
            P::EmissionAdjustment(Perbill::from_percent(2)),
            P::MinBlockEmission(1),
            P::MaxBlockEmission(1_000),
            P::Ranking(RankingMode::Transitive),
            P::TransitiveIterations(MAX_TRANSITIVE_ITERATIONS),
        ];
        for p in all {
            assert_ok!(Mindnet::set_parameter(RuntimeOrigin::root(), 0, p));
            System::assert_last_event(
                Event::<Test>::ParameterSet {
                    netuid: 0,
                    parameter: p,
                }
                .into(),
            );
        }
        assert_eq!(Tempo::<Test>::get(0), 7);
        assert_eq!(Rho::<Test>::get(0), 20);
        assert_eq!(Kappa::<Test>::get(0), Perbill::from_percent(60));
        assert_eq!(
            BondsMovingAverage::<Test>::get(0),
            Perbill::from_percent(20)
        );
        assert_eq!(DividendShare::<Test>::get(0), Perbill::from_percent(30));
        assert_eq!(ActivityCutoff::<Test>::get(0), 99);
        assert!(MaskSelfWeight::<Test>::get(0));
        assert_eq!(BlockEmission::<Test>::get(0), 5);
        assert_eq!(LossMargin::<Test>::get(0), Perbill::from_percent(1));
        assert_eq!(MinAllowedWeights::<Test>::get(0), 2);
        assert_eq!(MaxWeightsPerRow::<Test>::get(0), 8);
        assert_eq!(MaxAllowedUids::<Test>::get(0), 32);
        assert_eq!(ImmunityPeriod::<Test>::get(0), 3);
        assert_eq!(WeightsVersionKey::<Test>::get(0), 4);
        assert_eq!(WeightsSetRateLimit::<Test>::get(0), 6);
        assert_eq!(RegistrationFee::<Test>::get(0), 77);
        assert!(AdaptiveEmission::<Test>::get(0));
        assert_eq!(SparsityTarget::<Test>::get(0), Perbill::from_percent(40));
        assert_eq!(EmissionAdjustment::<Test>::get(0), Perbill::from_percent(2));
        assert_eq!(MinBlockEmission::<Test>::get(0), 1);
        assert_eq!(MaxBlockEmission::<Test>::get(0), 1_000);
        assert_eq!(NetworkRanking::<Test>::get(0), RankingMode::Transitive);
        assert_eq!(
            TransitiveIterations::<Test>::get(0),
            MAX_TRANSITIVE_ITERATIONS
        );
    });
}

#[test]
fn out_of_range_parameters_are_rejected() {
    use NetworkParameter as P;
    new_test_ext().execute_with(|| {
        let set = |p| Mindnet::set_parameter(RuntimeOrigin::root(), 0, p);
        assert_noop!(
            Mindnet::set_parameter(RuntimeOrigin::signed(1), 0, P::Tempo(5)),
            DispatchError::BadOrigin
        );
        assert_noop!(
            Mindnet::set_parameter(RuntimeOrigin::root(), 9, P::Tempo(5)),
            Error::<Test>::NetworkDoesNotExist
        );
        assert_noop!(set(P::Tempo(0)), Error::<Test>::ParameterOutOfRange);
        for passes in [0, MAX_TRANSITIVE_ITERATIONS + 1] {
            assert_noop!(
                set(P::TransitiveIterations(passes)),
                Error::<Test>::ParameterOutOfRange
            );
        }
        assert_noop!(
            set(P::MinAllowedWeights(0)),
            Error::<Test>::ParameterOutOfRange
        );
        assert_noop!(
            set(P::MinAllowedWeights(17)),
            Error::<Test>::ParameterOutOfRange
        );
        assert_noop!(
            set(P::MaxWeightsPerRow(17)),
            Error::<Test>::ParameterOutOfRange
        );
        assert_noop!(
            set(P::MaxAllowedUids(65)),
            Error::<Test>::ParameterOutOfRange
        );
        register_many(3);
        assert_noop!(
            set(P::MaxAllowedUids(2)),
            Error::<Test>::ParameterOutOfRange
        );
        assert_noop!(
            set(P::MinBlockEmission(u64::MAX)),
            Error::<Test>::ParameterOutOfRange
        );
        assert_noop!(
            set(P::MaxBlockEmission(0)),
            Error::<Test>::ParameterOutOfRange
        );
    });
}
