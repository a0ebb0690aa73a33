//! Flags shared by the experiments: the model's parameters and how to run the seeds.

use super::Failure;
use clap::Args as ClapArgs;
use mindnet_sim::seed::model::{ModelConfig, Stake};

/// The model's parameters (seed 000's θ less `n` and `α/τ`).
#[derive(Debug, ClapArgs)]
pub struct ModelArgs {
    /// The mask's temperature T₀ in units of the mean weight (T = T₀/n).
    #[arg(long, allow_negative_numbers = true, value_name = "T0", default_value_t = ModelConfig::TEMPERATURE)]
    temperature: f64,
    /// λ, every participant's learning rate.
    #[arg(long, allow_negative_numbers = true, value_name = "LAMBDA", default_value_t = ModelConfig::LEARNING_RATE)]
    learning_rate: f64,
    /// ε: stop once the projected gradient's largest entry is below it.
    #[arg(long, allow_negative_numbers = true, value_name = "EPSILON", default_value_t = ModelConfig::TOLERANCE)]
    tolerance: f64,
    /// Stop after this many steps per participant (steps ≤ this × n).
    #[arg(long, value_name = "K", default_value_t = ModelConfig::STEPS_PER_PEER)]
    steps_per_peer: usize,
    /// Peer quality q_j is uniform on [1 − spread, 1 + spread); 0 gives i.i.d. Hessians.
    #[arg(long, allow_negative_numbers = true, value_name = "SPREAD", default_value_t = ModelConfig::QUALITY_SPREAD)]
    quality_spread: f64,
    /// Draw stake uniform on [0.5, 1.5) (scaled to mean 1) instead of equal stake.
    #[arg(long)]
    random_stake: bool,
}

impl ModelArgs {
    /// The model, or a sentence on the first flag that is out of range.
    pub fn config(&self) -> Result<ModelConfig, Failure> {
        positive("--temperature", self.temperature, "e.g. 1")?;
        positive("--learning-rate", self.learning_rate, "e.g. 0.005")?;
        positive("--tolerance", self.tolerance, "e.g. 1e-6")?;
        if self.steps_per_peer == 0 {
            return Err(Failure::usage(
                "--steps-per-peer 0 allows no step: give at least 1 (the seed uses 1000)",
            ));
        }
        if !(0.0..1.0).contains(&self.quality_spread) {
            return Err(Failure::usage(format!(
                "--quality-spread {} would make some peer's quality zero or negative: give a \
                 value in [0, 1), e.g. 0.5",
                self.quality_spread
            )));
        }
        Ok(ModelConfig {
            temperature: self.temperature,
            learning_rate: self.learning_rate,
            tolerance: self.tolerance,
            steps_per_peer: self.steps_per_peer,
            quality_spread: self.quality_spread,
            stake: if self.random_stake {
                Stake::Random
            } else {
                Stake::Uniform
            },
        })
    }
}

/// `value` if it is a positive finite number, else a sentence naming `flag`.
pub fn positive(flag: &str, value: f64, example: &str) -> Result<f64, Failure> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Failure::usage(format!(
            "{flag} {value} is not usable: give a positive number, {example}"
        )))
    }
}

/// `value` if it is a finite number ≥ 0, else a sentence naming `flag`.
pub fn non_negative(flag: &str, value: f64) -> Result<f64, Failure> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Failure::usage(format!(
            "{flag} {value} is not usable: give a number of at least 0, e.g. 1"
        )))
    }
}

/// Checks a network size: at least 3 participants (a ranking of two has one order) and at
/// most 256 (the Hessians take 8n³ bytes and the descent about 1000 n⁴ operations).
pub fn network_size(flag: &str, n: usize) -> Result<usize, Failure> {
    if (3..=256).contains(&n) {
        Ok(n)
    } else {
        Err(Failure::usage(format!(
            "{flag} {n} is out of range: give between 3 and 256 participants, e.g. 16"
        )))
    }
}

/// Checks a seed count: at least 2 (a confidence interval needs two samples).
pub fn seed_count(seeds: u64) -> Result<u64, Failure> {
    if seeds >= 2 {
        Ok(seeds)
    } else {
        Err(Failure::usage(format!(
            "--seeds {seeds} is too few for a confidence interval: give at least 2 (the \
             experiments use 20)"
        )))
    }
}
