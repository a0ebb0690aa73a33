//! The model and the market on small in-process cases: top-k routing over graded synthetic
//! peers, the Fisher contribution score against the real loss change of zeroing a peer
//! (and both against the truth), checkpoints that resume exactly (Adam's state included),
//! and a poisoned step that is undone.

use mindnet_learner::checkpoint::{self, Meta};
use mindnet_learner::data::{sample, Batch, Rng};
use mindnet_learner::dendrite::Peer;
use mindnet_learner::model::{finite, ModelConfig, RemoteGrad, Routed, Trainer};
use mindnet_learner::route::{Router, Routing};
use mindnet_learner::score::{ablation, contribution, spearman, Scores};
use mindnet_learner::synthetic::Oracle;
use mindnet_learner::CpuTrain;

fn small() -> ModelConfig {
    ModelConfig {
        context: 4,
        embed: 8,
        hidden: 32,
        width: 16,
        topk: 4,
        max_peers: 16,
        head_hidden: 64,
        ..ModelConfig::default()
    }
}

fn text() -> Vec<u8> {
    mindnet_learner::data::BUNDLED.as_bytes()[..200_000].to_vec()
}

fn peer(j: usize) -> Peer {
    Peer {
        uid: j as u16,
        hotkey: [j as u8 + 1; 32],
        addr: format!("127.0.0.1:{}", 2000 + j),
    }
}

/// What the chosen synthetic peers answer for `batch` (peer `j` in column `j` tells the
/// truth with probability `p[j]`), as the head takes it.
fn answers(
    c: &ModelConfig,
    batch: &Batch,
    routing: &Routing,
    oracle: &Oracle,
    p: &[f64],
    rng: &mut Rng,
    router: &Router,
) -> Routed {
    let (k, w, ctx) = (routing.k, c.width, c.context);
    let mut routed = Routed::alone(batch.rows, k, w);
    for (pos, col) in routing.choice.iter().enumerate() {
        let Some(col) = col else { continue };
        let r = pos / k;
        let a = oracle.answer(&batch.tokens[r * ctx..(r + 1) * ctx], 1, p[*col], w, rng);
        routed.columns[pos] = *col as i32;
        routed.mask[pos] = 1.0;
        routed.reps[pos * w..(pos + 1) * w].copy_from_slice(&a);
    }
    routed.eligible = router.eligible(0);
    routed.normalize(w);
    routed
}

fn gather(v: &[f32], positions: &[usize], w: usize) -> Vec<f32> {
    positions
        .iter()
        .flat_map(|p| v[p * w..(p + 1) * w].iter().copied())
        .collect()
}

#[test]
fn top_k_over_graded_peers_ranks_them_and_fisher_agrees_with_ablation() {
    let c = if std::env::var("MARKET_DEFAULT").is_ok() {
        ModelConfig {
            max_peers: 16,
            ..ModelConfig::default()
        }
    } else {
        small()
    };
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env("MARKET_PEERS", 12);
    let steps = env("MARKET_STEPS", 1000) as u64;
    let text = text();
    let oracle = Oracle::new(mindnet_learner::data::BUNDLED.as_bytes(), c.context);
    let p: Vec<f64> = (0..n).map(|j| j as f64 / (n - 1) as f64).collect();
    let lr = std::env::var("MARKET_LR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.005);
    let mut t = Trainer::<CpuTrain>::new(c, lr, env("MARKET_SEED", 3) as u64, Default::default());
    let mut router = Router::new(c.max_peers, c.topk, 4, 1.0);
    let (fresh, _) = router.sync(&(0..n).map(peer).collect::<Vec<_>>());
    t.reset_gate(&fresh);
    let (mut rng, mut route_rng, mut peer_rng) = (Rng::new(11), Rng::new(12), Rng::new(13));
    let rate = std::env::var("MARKET_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.01);
    let (mut fisher, mut abl) = (Scores::new(rate), Scores::new(rate));
    let mut asked = vec![0u64; n];
    for step in 0..steps {
        let b = sample(&text, env("MARKET_BATCH", 128), c.context, &mut rng);
        let routing = router.route(&t.gate_logits(&b), b.rows, step, &mut route_rng, true);
        let routed = answers(&c, &b, &routing, &oracle, &p, &mut peer_rng, &router);
        // Scores are measured on probe rows (each peer alone on its row).
        let by_col: Vec<(usize, Vec<usize>)> = routing
            .by_column()
            .into_iter()
            .map(|(col, pos)| {
                (
                    col,
                    pos.into_iter()
                        .filter(|p| routing.probe[*p])
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, pos)| !pos.is_empty())
            .collect();
        if step >= steps / 2 {
            let with = t.row_losses(&b, &routed);
            for (col, pos) in &by_col {
                let without = t.row_losses(&b, &routed.without(pos, c.width));
                let rows: Vec<usize> = pos.iter().map(|q| q / c.topk).collect();
                let pick = |v: &[f64]| rows.iter().map(|r| v[*r]).collect::<Vec<_>>();
                abl.record(peer(*col).hotkey, ablation(&pick(&without), &pick(&with)));
            }
        }
        let report = t.step(&b, &routed, &[], 1.0);
        assert!(!report.undone);
        for (col, pos) in &by_col {
            asked[*col] += 1;
            if step >= steps / 2 {
                let d = gather(&routed.reps, pos, c.width);
                let g = gather(&report.peer_grads, pos, c.width);
                fisher.record(peer(*col).hotkey, contribution(&d, &g, b.rows, c.width));
            }
        }
    }
    let value = |s: &Scores, j: usize| s.get(&peer(j).hotkey).map_or(0.0, |x| x.value);
    let f: Vec<f64> = (0..n).map(|j| value(&fisher, j)).collect();
    let a: Vec<f64> = (0..n).map(|j| value(&abl, j)).collect();
    let (fa, fp, ap) = (spearman(&f, &a), spearman(&f, &p), spearman(&a, &p));
    println!("asked per peer {asked:?}");
    println!("fisher {f:.4?}\nablation {a:.4?}");
    println!("spearman fisher~ablation {fa:.3}, fisher~truth {fp:.3}, ablation~truth {ap:.3}");
    assert!(
        asked.iter().all(|x| *x >= steps / 4),
        "exploration reaches everyone: {asked:?}"
    );
    assert!(fa >= 0.8, "Fisher and ablation agree: {fa}");
    assert!(fp >= 0.85, "Fisher ranks the peers as the truth does: {fp}");
    // The gate learnt whom to listen to: its logit for the best peer is above the worst's.
    let b = sample(&text, 256, c.context, &mut rng);
    let logits = t.gate_logits(&b);
    let mean = |j: usize| (0..256).map(|r| logits[r * c.max_peers + j]).sum::<f32>() / 256.0;
    assert!(
        mean(n - 1) > mean(0) + 0.5,
        "{} vs {}",
        mean(n - 1),
        mean(0)
    );
    // The best peer leaves and a newcomer takes its column: it starts from zero, and the
    // gate still trains afterwards.
    let mut next: Vec<Peer> = (0..n - 1).map(peer).collect();
    next.push(Peer {
        hotkey: [200; 32],
        ..peer(n - 1)
    });
    let (fresh, _) = router.sync(&next);
    assert_eq!(fresh, vec![n - 1]);
    t.reset_gate(&fresh);
    let logits = t.gate_logits(&b);
    assert!((0..256).all(|r| logits[r * c.max_peers + n - 1] == 0.0));
    assert!(mean(n - 2) != 0.0, "the others keep theirs");
    let routing = router.route(&logits, b.rows, steps, &mut route_rng, true);
    let routed = answers(&c, &b, &routing, &oracle, &p, &mut peer_rng, &router);
    assert!(!t.step(&b, &routed, &[], 1.0).undone);
}

#[test]
fn a_checkpoint_resumes_the_same_model_optimiser_scores_and_columns() {
    let c = small();
    let text = text();
    let alone = |rows| Routed::alone(rows, c.topk, c.width);
    let mut t = Trainer::<CpuTrain>::new(c, 0.01, 5, Default::default());
    let mut rng = Rng::new(2);
    for _ in 0..20 {
        let b = sample(&text, 16, c.context, &mut rng);
        t.step(&b, &alone(16), &[], 1.0);
    }
    let mut scores = Scores::new(0.05);
    scores.record([4; 32], 0.25);
    scores.fail([5; 32]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.safetensors");
    let meta = Meta {
        step: 20,
        config: c,
        scores,
        columns: vec![(0, [4; 32]), (3, [5; 32])],
    };
    checkpoint::save(&path, &t.state(), &meta).unwrap();
    let (state, read) = checkpoint::load(&path).unwrap();
    assert_eq!(read, meta);
    let mut fresh = Trainer::<CpuTrain>::new(c, 0.01, 99, Default::default());
    let b = sample(&text, 32, c.context, &mut rng);
    assert_ne!(fresh.evaluate(&b, &alone(32)), t.evaluate(&b, &alone(32)));
    fresh.load_state(state.clone()).unwrap();
    assert_eq!(fresh.evaluate(&b, &alone(32)), t.evaluate(&b, &alone(32)));
    // Adam's moments came back too: the next step is the same step.
    let next = sample(&text, 16, c.context, &mut rng);
    t.step(&next, &alone(16), &[], 1.0);
    fresh.step(&next, &alone(16), &[], 1.0);
    let (x, y) = (t.evaluate(&b, &alone(32)), fresh.evaluate(&b, &alone(32)));
    assert!((x - y).abs() < 1e-6, "{x} vs {y}");

    // Another model's checkpoint, and a file that is not one, are refused in words.
    let mut other =
        Trainer::<CpuTrain>::new(ModelConfig { width: 4, ..c }, 0.01, 1, Default::default());
    assert!(other.load_state(state).unwrap_err().contains("shape"));
    std::fs::write(&path, b"garbage").unwrap();
    let err = checkpoint::load(&path).unwrap_err().message;
    assert!(err.contains("not a learner checkpoint"), "{err}");
}

#[test]
fn a_step_that_would_poison_the_model_is_undone() {
    let c = small();
    let text = text();
    let mut t = Trainer::<CpuTrain>::new(c, 0.01, 5, Default::default());
    let mut rng = Rng::new(3);
    let b = sample(&text, 8, c.context, &mut rng);
    let before = t.evaluate(&b, &Routed::alone(8, c.topk, c.width));
    let poison = RemoteGrad {
        tokens: b.tokens.clone(),
        grad: vec![f32::MAX; 8 * c.width],
        rows: 8,
        weight: 1e30,
    };
    let report = t.step(&b, &Routed::alone(8, c.topk, c.width), &[poison], 1.0);
    assert!(report.undone, "the update overflowed and was undone");
    assert!(finite(&t.encoder) && finite(&t.head));
    assert_eq!(t.evaluate(&b, &Routed::alone(8, c.topk, c.width)), before);
    // It still trains afterwards.
    let r = t.step(&b, &Routed::alone(8, c.topk, c.width), &[], 1.0);
    assert!(!r.undone && r.loss.is_finite());
}

#[test]
fn the_transformer_trains_and_checkpoints_like_the_mlp() {
    use mindnet_learner::model::ModelKind;
    use mindnet_learner::transformer::TransformerConfig;
    let c = ModelConfig {
        kind: ModelKind::Transformer,
        transformer: TransformerConfig {
            d_model: 32,
            heads: 2,
            layers: 1,
            d_ff: 64,
            dropout: 0.0,
        },
        context: 16,
        ..small()
    };
    let text = text();
    let alone = |rows| Routed::alone(rows, c.topk, c.width);
    let mut t = Trainer::<CpuTrain>::new(c, 0.003, 7, Default::default());
    let mut rng = Rng::new(4);
    let valid = sample(&text, 64, c.context, &mut Rng::new(99));
    let before = t.evaluate(&valid, &alone(64));
    for _ in 0..60 {
        let b = sample(&text, 32, c.context, &mut rng);
        assert!(!t.step(&b, &alone(32), &[], 1.0).undone);
    }
    let after = t.evaluate(&valid, &alone(64));
    assert!(after < before - 0.5, "{before} -> {after}");
    let mut back = Trainer::<CpuTrain>::new(c, 0.003, 8, Default::default());
    back.load_state(t.state()).unwrap();
    assert_eq!(back.evaluate(&valid, &alone(64)), after);
}

#[test]
fn the_student_learns_the_combination_and_stands_in_for_silent_peers() {
    let c = small();
    let text = text();
    let oracle = Oracle::new(mindnet_learner::data::BUNDLED.as_bytes(), c.context);
    // Four peers that always tell the truth: the head learns to rely on them.
    let n = 4;
    let p = vec![1.0; n];
    let mut t = Trainer::<CpuTrain>::new(c, 0.005, 21, Default::default());
    let mut router = Router::new(c.max_peers, c.topk, 1, 1.0);
    let (fresh, _) = router.sync(&(0..n).map(peer).collect::<Vec<_>>());
    t.reset_gate(&fresh);
    let (mut rng, mut route_rng, mut peer_rng) = (Rng::new(31), Rng::new(32), Rng::new(33));
    let mut distillation = Vec::new();
    for step in 0..600 {
        let b = sample(&text, 64, c.context, &mut rng);
        let routing = router.route(&t.gate_logits(&b), b.rows, step, &mut route_rng, true);
        let mut routed = answers(&c, &b, &routing, &oracle, &p, &mut peer_rng, &router);
        routed.probe_rows = (0..b.rows).map(|r| routing.probe[r * c.topk]).collect();
        routed.stand_in = t.student_ready();
        let report = t.step(&b, &routed, &[], 1.0);
        distillation.push(
            report
                .distillation
                .expect("rows with answers to learn from"),
        );
    }
    assert_eq!(t.student_steps, 600);
    assert!(t.student_ready());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "distillation loss: {:.3} (steps 0-50) {:.3} (250-300) {:.3} (550-600)",
        mean(&distillation[..50]),
        mean(&distillation[250..300]),
        mean(&distillation[550..])
    );

    // On held-out windows: with the peers, with the student in their place, with nothing.
    let valid = sample(&text, 512, c.context, &mut Rng::new(77));
    let routing = router.route(
        &t.gate_logits(&valid),
        valid.rows,
        10_000,
        &mut route_rng,
        false,
    );
    let with_peers = t.evaluate(
        &valid,
        &answers(&c, &valid, &routing, &oracle, &p, &mut peer_rng, &router),
    );
    let mut silent = Routed::alone(valid.rows, c.topk, c.width);
    let nothing = t.evaluate(&valid, &silent);
    silent.stand_in = true;
    let student = t.evaluate(&valid, &silent);
    println!("with peers {with_peers:.3}, student {student:.3}, nothing {nothing:.3}");
    assert!(
        with_peers < student,
        "the peers know more than their student"
    );
    assert!(
        student < nothing - 0.3,
        "the student stands in for the silent peers: {student} vs {nothing}"
    );
    // A row whose peers answered keeps their answers: the student only fills silent rows.
    let answered = answers(&c, &valid, &routing, &oracle, &p, &mut peer_rng, &router);
    let mut with_stand_in = answered.clone();
    with_stand_in.stand_in = true;
    assert_eq!(with_stand_in.stand_in_rows(), None);
    assert_eq!(
        t.evaluate(&valid, &with_stand_in),
        t.evaluate(&valid, &answered)
    );

    // The student and its step count survive a checkpoint.
    let mut back = Trainer::<CpuTrain>::new(c, 0.005, 22, Default::default());
    back.load_state(t.state()).unwrap();
    assert_eq!(back.student_steps, 600);
    assert_eq!(back.evaluate(&valid, &silent), student);
}
