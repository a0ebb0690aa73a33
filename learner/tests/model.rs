//! The model on a small case: the Fisher contribution score against the real change in
//! loss when a peer is removed, and checkpoints that resume exactly.

use mindnet_learner::checkpoint::{self, Meta};
use mindnet_learner::data::{sample, Batch, Rng};
use mindnet_learner::model::{ModelConfig, Trainer};
use mindnet_learner::score::{contribution, Scores};
use mindnet_learner::CpuTrain;

const SMALL: ModelConfig = ModelConfig {
    context: 4,
    embed: 8,
    hidden: 32,
    width: 8,
    slots: 2,
    head_hidden: 32,
};

fn text() -> Vec<u8> {
    mindnet_learner::data::BUNDLED.as_bytes()[..200_000].to_vec()
}

/// Slot 0: a peer that knows a little the learner cannot (a noisy code of the next
/// token: its low 3 bits, each right 3 times in 4); slot 1: a peer that answers noise.
fn peers(batch: &Batch, rng: &mut Rng, strength: f32) -> Vec<Option<Vec<f32>>> {
    let w = SMALL.width;
    let mut informed = vec![0.0f32; batch.rows * w];
    for (r, t) in batch.targets.iter().enumerate() {
        for k in 0..3 {
            let bit = (t >> k) & 1 == 1;
            let told = if rng.below(4) == 0 { !bit } else { bit };
            informed[r * w + k] = if told { strength } else { -strength };
        }
    }
    let noise = (0..batch.rows * w).map(|_| rng.symmetric()).collect();
    vec![Some(informed), Some(noise)]
}

#[test]
fn the_contribution_score_predicts_the_loss_change_of_removing_a_peer() {
    let text = text();
    let mut t = Trainer::<CpuTrain>::new(SMALL, 0.01, 3, Default::default());
    let mut rng = Rng::new(11);
    for _ in 0..400 {
        let b = sample(&text, 64, SMALL.context, &mut rng);
        let p = peers(&b, &mut rng, 0.2);
        t.step(&b, &p, &[], 1.0);
    }
    // On fresh batches: the score of each slot against the loss actually lost without it.
    let (mut predicted, mut actual) = ([0.0f64; 2], [0.0f64; 2]);
    for _ in 0..20 {
        let b = sample(&text, 256, SMALL.context, &mut rng);
        let p = peers(&b, &mut rng, 0.2);
        let report = t.input_gradients(&b, &p);
        let with = t.evaluate(&b, &p);
        assert!((with - report.loss).abs() < 1e-4);
        for slot in 0..2 {
            let d = p[slot].as_ref().unwrap();
            let g = report.peer_grads[slot].as_ref().unwrap();
            predicted[slot] += contribution(d, g, b.rows, SMALL.width) / 20.0;
            let mut without = p.clone();
            without[slot] = None;
            actual[slot] += (t.evaluate(&b, &without) - with) / 20.0;
        }
    }
    println!("predicted {predicted:?}, actual {actual:?}");
    // The informed peer: removing it costs loss, and the score says how much (to 25 %;
    // measured: 0.295 predicted for 0.340 lost).
    assert!(actual[0] > 0.05, "{actual:?}");
    assert!(
        (predicted[0] - actual[0]).abs() < 0.25 * actual[0],
        "predicted {predicted:?} actual {actual:?}"
    );
    // The noisy peer is worth far less than the informed one, by both measures.
    assert!(actual[1] < 0.2 * actual[0], "{actual:?}");
    assert!(predicted[1] < 0.2 * predicted[0], "{predicted:?}");
}

#[test]
fn a_checkpoint_resumes_the_same_model_and_scores() {
    let text = text();
    let mut t = Trainer::<CpuTrain>::new(SMALL, 0.01, 5, Default::default());
    let mut rng = Rng::new(2);
    for _ in 0..20 {
        let b = sample(&text, 16, SMALL.context, &mut rng);
        t.step(&b, &[None, None], &[], 1.0);
    }
    let mut scores = Scores::new(0.05);
    scores.record(4, "5Hotkey", 0.25);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.safetensors");
    let meta = Meta {
        step: 20,
        config: SMALL,
        scores,
    };
    checkpoint::save(&path, &t.tensors(), &meta).unwrap();
    let (tensors, read) = checkpoint::load(&path).unwrap();
    assert_eq!(read, meta);
    let mut fresh = Trainer::<CpuTrain>::new(SMALL, 0.01, 99, Default::default());
    let b = sample(&text, 32, SMALL.context, &mut rng);
    assert_ne!(
        fresh.evaluate(&b, &[None, None]),
        t.evaluate(&b, &[None, None])
    );
    fresh.load_tensors(tensors.clone()).unwrap();
    assert_eq!(
        fresh.evaluate(&b, &[None, None]),
        t.evaluate(&b, &[None, None])
    );

    // Another model's checkpoint, and a file that is not one, are refused in words.
    let mut other = Trainer::<CpuTrain>::new(
        ModelConfig { width: 4, ..SMALL },
        0.01,
        1,
        Default::default(),
    );
    assert!(other.load_tensors(tensors).unwrap_err().contains("shape"));
    std::fs::write(&path, b"garbage").unwrap();
    let err = checkpoint::load(&path).unwrap_err().message;
    assert!(err.contains("not a learner checkpoint"), "{err}");
}
