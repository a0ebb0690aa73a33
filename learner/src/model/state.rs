//! What a checkpoint holds of a [`Trainer`]: every parameter of the encoder, the head and
//! the student, Adam's moments and step counts, named `encoder.…`, `head.…` and
//! `student.…`.

use super::{Adam, Student, Trainer};
use burn::module::AutodiffModule;
use burn::optim::AdamConfig;
use burn::tensor::backend::AutodiffBackend;

pub use crate::params::NamedTensors;

/// The prefix of the encoder's tensors in a checkpoint.
const ENCODER: &str = "encoder.";
/// The prefix of the head's tensors in a checkpoint.
const HEAD: &str = "head.";
/// The prefix of the student's tensors in a checkpoint.
const STUDENT: &str = "student.";
/// The name of the student's distillation step count among the Adam step counts.
const STUDENT_STEPS: &str = "distillation_steps";

fn prefixed(prefix: &str, tensors: NamedTensors) -> NamedTensors {
    tensors
        .into_iter()
        .map(|(n, s, v)| (format!("{prefix}{n}"), s, v))
        .collect()
}

/// The tensors named `prefix…`, without the prefix, and the rest.
fn split(prefix: &str, tensors: NamedTensors) -> (NamedTensors, NamedTensors) {
    let (mine, rest): (NamedTensors, NamedTensors) = tensors
        .into_iter()
        .partition(|(n, _, _)| n.starts_with(prefix));
    let mine = mine
        .into_iter()
        .map(|(n, s, v)| (n[prefix.len()..].to_string(), s, v))
        .collect();
    (mine, rest)
}

/// The Adam moments' tensors among `tensors`, and the rest.
fn moments_apart(tensors: NamedTensors) -> (NamedTensors, NamedTensors) {
    tensors.into_iter().partition(|(n, _, _)| {
        [
            crate::params::ADAM_M1,
            crate::params::ADAM_M2,
            crate::params::ADAM_VMAX,
        ]
        .iter()
        .any(|p| n.starts_with(p))
    })
}

/// Adam for `module` with its state restored from `moments` and the step counts named
/// `prefix…` in `steps` (afresh when there are no moments: an older checkpoint).
fn optimiser<B: AutodiffBackend, M: AutodiffModule<B>>(
    module: &M,
    moments: NamedTensors,
    steps: &std::collections::BTreeMap<String, usize>,
    prefix: &str,
) -> Result<Adam<M, B>, String> {
    if moments.is_empty() {
        return Ok(AdamConfig::new().init());
    }
    let steps = steps
        .iter()
        .filter_map(|(n, t)| Some((n.strip_prefix(prefix)?.to_string(), *t)))
        .collect();
    crate::params::load_adam_state(
        AdamConfig::new().init(),
        module,
        crate::params::AdamSnapshot { moments, steps },
    )
}

/// What a checkpoint holds of a trainer: every parameter and the optimisers' state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainerState {
    /// Parameters and Adam's moments, named `encoder.…`, `head.…` and `student.…`.
    pub tensors: NamedTensors,
    /// Adam's step count of each parameter, by the same names.
    pub steps: std::collections::BTreeMap<String, usize>,
}

impl<B: AutodiffBackend> Trainer<B> {
    /// Every parameter and Adam's state, named.
    pub fn state(&self) -> TrainerState {
        let mut tensors = NamedTensors::new();
        let mut steps = std::collections::BTreeMap::new();
        let mut add = |prefix: &str, params: NamedTensors, adam: crate::params::AdamSnapshot| {
            tensors.extend(prefixed(prefix, params));
            tensors.extend(prefixed(prefix, adam.moments));
            steps.extend(
                adam.steps
                    .into_iter()
                    .map(|(n, t)| (format!("{prefix}{n}"), t)),
            );
        };
        add(
            ENCODER,
            crate::params::named(&self.encoder),
            crate::params::adam_state(&self.encoder, &self.encoder_opt),
        );
        add(
            HEAD,
            crate::params::named(&self.head),
            crate::params::adam_state(&self.head, &self.head_opt),
        );
        add(
            STUDENT,
            crate::params::named(&self.student),
            crate::params::adam_state(&self.student, &self.student_opt),
        );
        // The student's distillation steps are its Adam steps (one per distillation).
        steps.insert(STUDENT_STEPS.to_string(), self.student_steps as usize);
        TrainerState { tensors, steps }
    }

    /// Replaces every parameter and Adam's state with `state` (a checkpoint without Adam's
    /// state starts the optimisers afresh).
    pub fn load_state(&mut self, state: TrainerState) -> Result<(), String> {
        let (enc, rest) = split(ENCODER, state.tensors);
        let (head, rest) = split(HEAD, rest);
        let (student, rest) = split(STUDENT, rest);
        if let Some((name, _, _)) = rest.first() {
            return Err(format!("the checkpoint has an unknown tensor {name}"));
        }
        let (enc_moments, enc) = moments_apart(enc);
        let (head_moments, head) = moments_apart(head);
        let (student_moments, student) = moments_apart(student);
        let encoder = crate::params::load(self.encoder.clone(), enc)?;
        let head = crate::params::load(self.head.clone(), head)?;
        let encoder_opt = optimiser(&encoder, enc_moments, &state.steps, ENCODER)?;
        let head_opt = optimiser(&head, head_moments, &state.steps, HEAD)?;
        // A checkpoint from before the student keeps a fresh one.
        let (student, student_opt, student_steps) = if student.is_empty() {
            (
                Student::new(&self.config, &self.device),
                AdamConfig::new().init(),
                0,
            )
        } else {
            let student = crate::params::load(self.student.clone(), student)?;
            let opt = optimiser(&student, student_moments, &state.steps, STUDENT)?;
            let steps = state.steps.get(STUDENT_STEPS).copied().unwrap_or(0) as u64;
            (student, opt, steps)
        };
        (self.encoder, self.head, self.encoder_opt, self.head_opt) =
            (encoder, head, encoder_opt, head_opt);
        (self.student, self.student_opt, self.student_steps) =
            (student, student_opt, student_steps);
        Ok(())
    }
}
