//! The pieces of seed 000's model: simplex projection, Spearman ρ with ties, the payoff
//! gradient against finite differences, and determinism for a fixed seed.

use mindnet_sim::seed::{
    experiments::{run_trials, TrialsSettings},
    model::{self, Balance, Matrix, ModelConfig, Network, Stake},
    rng::SplitMix64,
    stats::{ranks, spearman, t95, MeanCi},
};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn projection_onto_the_simplex_matches_worked_cases() {
    let cases: [(&[f64], &[f64]); 5] = [
        // Already on the simplex: unchanged.
        (&[0.2, 0.3, 0.5], &[0.2, 0.3, 0.5]),
        // Shifted equally.
        (&[0.5, 0.5, 0.5], &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]),
        // A vertex.
        (&[2.0, 0.0, 0.0], &[1.0, 0.0, 0.0]),
        // θ = −0.05: the negative entry is clipped to zero.
        (&[0.6, 0.3, -0.2], &[0.65, 0.35, 0.0]),
        (&[-1.0, -2.0], &[1.0, 0.0]),
    ];
    for (input, want) in cases {
        let mut x = input.to_vec();
        model::project_simplex(&mut x);
        for (a, b) in x.iter().zip(want) {
            assert!(close(*a, *b, 1e-12), "{input:?} → {x:?}, want {want:?}");
        }
    }
}

#[test]
fn projection_is_the_nearest_point_of_the_simplex() {
    let mut rng = SplitMix64::new(7);
    for _ in 0..200 {
        let n = 2 + (rng.next_u64() % 9) as usize;
        let v: Vec<f64> = (0..n).map(|_| rng.uniform_in(-2.0, 2.0)).collect();
        let mut x = v.clone();
        model::project_simplex(&mut x);
        assert!(close(x.iter().sum::<f64>(), 1.0, 1e-12), "{x:?}");
        assert!(x.iter().all(|&e| e >= 0.0), "{x:?}");
        let dist = |y: &[f64]| y.iter().zip(&v).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        for _ in 0..50 {
            let y = rng.simplex(n);
            assert!(dist(&x) <= dist(&y) + 1e-12, "{v:?}: {x:?} is not nearest");
        }
    }
}

#[test]
fn spearman_averages_the_ranks_of_ties() {
    assert_eq!(ranks(&[10.0, 20.0, 20.0, 30.0]), vec![1.0, 2.5, 2.5, 4.0]);
    assert_eq!(ranks(&[3.0, 1.0, 2.0]), vec![3.0, 1.0, 2.0]);
    assert_eq!(ranks(&[5.0, 5.0, 5.0]), vec![2.0, 2.0, 2.0]);
    let a = [1.0, 2.0, 2.0, 3.0];
    let b = [1.0, 2.0, 3.0, 4.0];
    // Pearson of [1, 2.5, 2.5, 4] and [1, 2, 3, 4]: 4.5 / √(4.5 · 5) (as scipy's spearmanr).
    let want = 4.5 / (4.5f64 * 5.0).sqrt();
    assert!(close(spearman(&a, &b), want, 1e-12), "{}", spearman(&a, &b));
    assert!(close(spearman(&b, &b), 1.0, 1e-12));
    assert!(close(spearman(&b, &[4.0, 3.0, 2.0, 1.0]), -1.0, 1e-12));
    // Monotone transforms do not change ρ.
    let c: Vec<f64> = b.iter().map(|x: &f64| x.exp()).collect();
    assert!(close(spearman(&a, &c), want, 1e-12));
    // A constant ranking orders nothing.
    assert_eq!(spearman(&[0.25; 4], &b), 0.0);
}

#[test]
fn confidence_interval_uses_students_t() {
    let m = MeanCi::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!(close(m.mean, 3.0, 1e-12));
    assert!(close(m.sd, 2.5f64.sqrt(), 1e-12));
    assert!(close(m.ci95, 2.776 * 2.5f64.sqrt() / 5f64.sqrt(), 1e-9));
    assert!(close(t95(19), 2.093, 1e-12));
    assert!(close(t95(60), 2.000, 2e-3), "{}", t95(60));
    assert!(close(t95(1000), 1.962, 1e-3), "{}", t95(1000));
}

/// `P_i(W) = rank · R_i(W) − loss · L_i(W)` evaluated directly.
fn payoff(net: &Network, w: &Matrix, i: usize, balance: Balance) -> f64 {
    let r = model::stake_ranking(&net.stake, w)[i];
    balance.rank * r - balance.loss * net.loss(w, i)
}

#[test]
fn the_gradient_matches_finite_differences() {
    for (stake, ratio) in [(Stake::Uniform, 10.0), (Stake::Random, 25.0)] {
        let config = ModelConfig {
            stake,
            ..ModelConfig::default()
        };
        let n = 6;
        let net = Network::draw(n, 3, &config);
        // A point off the simplex's vertices, with weights near their column means so that
        // the masks are far from saturated.
        let w = net.initial.clone();
        let balance = Balance::ratio(ratio);
        let mut grad = Matrix::zeros(n);
        net.gradient(&w, balance, &mut grad);
        let h = 1e-6;
        let mut largest: f64 = 0.0;
        for i in 0..n {
            for j in 0..n {
                let mut up = w.clone();
                up.set(i, j, w.get(i, j) + h);
                let mut down = w.clone();
                down.set(i, j, w.get(i, j) - h);
                let numeric =
                    (payoff(&net, &up, i, balance) - payoff(&net, &down, i, balance)) / (2.0 * h);
                let analytic = grad.get(i, j);
                largest = largest.max(analytic.abs());
                assert!(
                    close(analytic, numeric, 1e-7 + 1e-5 * numeric.abs()),
                    "{stake:?} ∂P_{i}/∂w_{i}{j}: analytic {analytic}, numeric {numeric}"
                );
            }
        }
        assert!(largest > 1e-3, "the check is not vacuous: {largest}");
    }
}

#[test]
fn a_seed_fixes_the_network_and_the_outcome() {
    let config = ModelConfig {
        learning_rate: 0.2,
        steps_per_peer: 25,
        tolerance: 1e-4,
        ..ModelConfig::default()
    };
    let a = Network::draw(8, 42, &config);
    let b = Network::draw(8, 42, &config);
    let c = Network::draw(8, 43, &config);
    assert_eq!(a.hessians, b.hessians);
    assert_eq!(a.initial, b.initial);
    assert_eq!(a.quality, b.quality);
    assert_ne!(a.hessians, c.hessians);
    assert_ne!(a.initial, c.initial);
    // Stake is drawn from its own stream: random stake leaves the Hessians as they were.
    let random = Network::draw(
        8,
        42,
        &ModelConfig {
            stake: Stake::Random,
            ..config
        },
    );
    assert_eq!(random.hessians, a.hessians);
    assert_ne!(random.stake, a.stake);
    assert!(close(random.stake.iter().sum::<f64>(), 8.0, 1e-9));
    // Every Hessian is symmetric positive semi-definite (xᵀHx ≥ 0 for random x).
    let mut rng = SplitMix64::new(1);
    for h in &a.hessians {
        for i in 0..8 {
            for j in 0..8 {
                assert_eq!(h.get(i, j), h.get(j, i));
            }
        }
        for _ in 0..20 {
            let x: Vec<f64> = (0..8).map(|_| rng.normal()).collect();
            let mut hx = vec![0.0; 8];
            h.mul_vec(&x, &mut hx);
            assert!(x.iter().zip(&hx).map(|(p, q)| p * q).sum::<f64>() >= -1e-15);
        }
    }
    let one = model::descend(&a, Balance::ratio(25.0), &config);
    let two = model::descend(&b, Balance::ratio(25.0), &config);
    assert_eq!(one.weights, two.weights);
    assert_eq!(one.steps, two.steps);
    // Threads do not change the results.
    let settings = |jobs| TrialsSettings {
        ns: vec![6],
        ratios: vec![10.0, 50.0],
        seeds: 4,
        first_seed: 9,
        model: config,
        jobs,
    };
    let serial = run_trials(&settings(1), &mut |_| {});
    let parallel = run_trials(&settings(3), &mut |_| {});
    assert_eq!(serial, parallel);
    assert_eq!(serial.trials.len(), 8);
}
