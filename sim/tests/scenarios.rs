//! The seeds' experiments, reproduced with the chain's arithmetic.

use mindnet_math::{fixed, next_min_allowed_weights, EpochParams, Fixed, NeuronState};
use mindnet_sim::{run, stake_shares, Scenario};
use std::path::PathBuf;

fn scenario_file(name: &str) -> Scenario {
    let path = PathBuf::from(
        // As cargo gives it when the test runs: a shared build directory may hold a binary
        // built in another checkout.
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../tests/scenarios")
    .join(name);
    let text = std::fs::read_to_string(&path).expect("scenario file");
    Scenario::from_json(&text).expect("valid scenario")
}

fn cabal_share_falls_every_epoch(file: &str, start: f64) {
    let scenario = scenario_file(file);
    let report = run(&scenario, 200);
    let shares = stake_shares(&scenario, &report);
    let cabal = &shares
        .iter()
        .find(|(l, _)| l == "cabal")
        .expect("cabal series")
        .1;
    let mut previous = start;
    for (epoch, share) in cabal.iter().enumerate() {
        assert!(
            *share < previous,
            "epoch {epoch}: cabal share {share} did not fall below {previous}"
        );
        previous = *share;
    }
    // Every epoch mints exactly E.
    for epoch in &report.epochs {
        assert_eq!(epoch.emission.iter().sum::<u64>(), scenario.emission);
    }
}

#[test]
fn a_cabal_with_40_percent_of_stake_loses_share_every_epoch() {
    cabal_share_falls_every_epoch("cabal_60_40.json", 0.4);
}

#[test]
fn a_cabal_with_49_percent_of_stake_loses_share_every_epoch() {
    cabal_share_falls_every_epoch("cabal_51_49.json", 0.49);
}

/// A network where the neurons holding `trust` of the stake vote for uid 0 and the rest
/// vote for uid 1; returns uid 0's trust, consensus and incentive.
fn vote_split(trust: u64, params: EpochParams) -> (f64, f64, f64) {
    // 1,000 units of stake: uid 0 and 1 hold none, voters hold the rest.
    let mut neurons = vec![NeuronState::default(); 2];
    let mut weights = vec![vec![], vec![]];
    for (stake, target) in [(trust, 0u16), (1000 - trust, 1u16)] {
        if stake > 0 {
            neurons.push(NeuronState {
                stake: u128::from(stake),
                last_update: 1,
                registered_at: 0,
            });
            weights.push(vec![(target, 1u16)]);
        }
    }
    let out = mindnet_math::epoch(
        &params,
        &mindnet_math::EpochInput {
            block: 0,
            emission: 1,
            neurons: &neurons,
            weights: &weights,
            bonds: &[] as &[Vec<(u16, u64)>],
            bonds_cover_registrations_up_to: 0,
        },
    );
    let f = |v: &[Fixed]| v[0].to_num::<f64>();
    (f(&out.trust), f(&out.consensus), f(&out.incentive))
}

#[test]
fn consensus_follows_the_sigmoid_of_figure_4() {
    // ρ = 10, κ = ½: C(T) = 1 / (1 + e^(−10 (T − ½))) over the whole range of T.
    for permille in (0..=1000).step_by(25) {
        let (t, c, _) = vote_split(permille, EpochParams::default());
        assert!((t - permille as f64 / 1000.0).abs() < 1e-12);
        let want = 1.0 / (1.0 + (-10.0 * (t - 0.5)).exp());
        assert!((c - want).abs() < 1e-12, "C({t}) = {c}, want {want}");
    }
}

#[test]
fn slope_at_the_inflection_point() {
    // The seeds' dI/dS = 5/2 at the inflection is the consensus factor's slope, ρ/4.
    let p = EpochParams::default();
    let (_, below, _) = vote_split(499, p);
    let (_, above, _) = vote_split(501, p);
    let slope = (above - below) / 0.002;
    assert!((slope - 2.5).abs() < 1e-4, "dC/dS = {slope}");
    // The incentive share of the majority itself (I = R·C normalised) rises faster:
    // d/ds [sσ(ρ(s−½)) / (sσ(ρ(s−½)) + (1−s)σ(−ρ(s−½)))] = 1 + ρ/4 = 3.5 at s = ½.
    let (_, _, i_below) = vote_split(499, p);
    let (_, _, i_above) = vote_split(501, p);
    let slope = (i_above - i_below) / 0.002;
    assert!((slope - 3.5).abs() < 1e-3, "dI/dS = {slope}");
}

#[test]
fn the_loss_peg_raises_min_allowed_weights_until_loss_is_negative() {
    // 15 equal neurons; each sets exactly `min_allowed_weights` weights: itself and the
    // next uids around the ring. Sparse rows leave every uid trusted by a minority (L > 0).
    let n = 15u16;
    let neurons = vec![
        NeuronState {
            stake: 1_000,
            last_update: 1,
            registered_at: 0
        };
        usize::from(n)
    ];
    let margin = fixed::from_parts_per_billion(50_000_000);
    let mut k = 1u16;
    let mut losses = Vec::new();
    for _ in 0..n {
        let weights: Vec<Vec<(u16, u16)>> = (0..n)
            .map(|i| {
                let mut row: Vec<(u16, u16)> = (0..k).map(|d| ((i + d) % n, 1)).collect();
                row.sort_unstable();
                row
            })
            .collect();
        let out = mindnet_math::epoch(
            &EpochParams::default(),
            &mindnet_math::EpochInput {
                block: 0,
                emission: 1_000_000,
                neurons: &neurons,
                weights: &weights,
                bonds: &[] as &[Vec<(u16, u64)>],
                bonds_cover_registrations_up_to: 0,
            },
        );
        let loss = out.loss.to_num::<f64>();
        losses.push((k, loss));
        let next = next_min_allowed_weights(k, out.loss, margin, n);
        if loss < 0.0 {
            break;
        }
        assert_eq!(next, k + 1, "L = {loss} > 0 raises min_allowed_weights");
        k = next;
    }
    assert!(
        losses[0].1 > 0.0,
        "a sparse network starts with L > 0: {losses:?}"
    );
    let (k_final, l_final) = *losses.last().unwrap();
    assert!(l_final < 0.0, "the peg reaches L < 0: {losses:?}");
    // With equal stake, L turns negative once each uid is trusted by more than κ = ½:
    // 8 of 15 voters.
    assert_eq!(k_final, n / 2 + 1, "{losses:?}");
}

/// The cabal's share of the first epoch's rank and incentive, and of stake after 200
/// epochs, in `file` run with `ranking`.
fn cabal_shares(file: &str, ranking: mindnet_math::epoch::Ranking) -> (f64, f64, f64) {
    let mut scenario = scenario_file(file);
    scenario.params.ranking = ranking;
    let report = run(&scenario, 200);
    let cabal: Vec<usize> = (0..scenario.groups.len())
        .filter(|i| scenario.groups[*i].as_deref() == Some("cabal"))
        .collect();
    let share = |v: &[f64]| cabal.iter().map(|i| v[*i]).sum::<f64>() / v.iter().sum::<f64>();
    let first = &report.epochs[0];
    let stake = |e: &mindnet_sim::EpochReport| {
        let total: f64 = e.stake.iter().map(|s| *s as f64).sum();
        cabal.iter().map(|i| e.stake[*i] as f64).sum::<f64>() / total
    };
    (
        share(&first.rank),
        share(&first.incentive),
        stake(report.epochs.last().unwrap()),
    )
}

#[test]
fn transitive_ranking_starves_a_cabal_that_only_passes_stake_around() {
    use mindnet_math::epoch::Ranking;
    // 40 % of the stake votes only for its own members, never for itself.
    let (rank, incentive, _) = cabal_shares("cabal_ring_60_40.json", Ranking::Direct);
    assert!((rank - 0.4).abs() < 1e-9, "{rank}");
    assert!(incentive > 0.05, "{incentive}");
    let (rank, incentive, stake) = cabal_shares("cabal_ring_60_40.json", Ranking::Transitive);
    assert_eq!((rank, incentive), (0.0, 0.0));
    // Nothing minted to it: its 4 of the starting 10 tokens, against 200 epochs of 1.
    assert!((stake - 4.0 / 210.0).abs() < 1e-9, "{stake}");
}

#[test]
fn transitive_ranking_lets_a_closed_clique_that_weights_itself_keep_more() {
    use mindnet_math::epoch::Ranking;
    // The cabal (4 members) and the honest (6) each weight only their own group, self
    // included: within 8 passes the smaller group keeps more of its stake (1 − (3/4)⁸
    // against 1 − (5/6)⁸), so transitive ranking gives it more than its 40 %.
    let (direct, _, _) = cabal_shares("cabal_60_40.json", Ranking::Direct);
    let (transitive, _, _) = cabal_shares("cabal_60_40.json", Ranking::Transitive);
    let kept = |k: f64| 1.0 - (1.0 - 1.0 / k).powi(8);
    let expected = 0.4 * kept(4.0) / (0.4 * kept(4.0) + 0.6 * kept(6.0));
    assert!((direct - 0.4).abs() < 1e-9);
    assert!(
        (transitive - expected).abs() < 1e-6,
        "{transitive} vs {expected}"
    );
}
