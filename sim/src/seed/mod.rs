//! # Seed 000's experiments
//!
//! Reproduces the competitive-descent experiments of seed 000 (§3.2–3.3, Figures 4–6):
//! participants choose their row of the weight matrix `W` by gradient steps on their own
//! payoff, and the ranking they converge to is compared with the ranking a fully informed
//! coordinator would compute. The write-up, with results, is `docs/seed-experiments.md`.
//!
//! ## Overview
//!
//! A trial draws a [`model::Network`] (stake, one loss Hessian per participant, initial
//! weights), runs [`model::descend`] at a ratio `α/τ` and scores the result with Spearman's ρ
//! ([`stats::spearman`]) against the idealised ranking. [`experiments`] runs trials over
//! seeds, ratios and sizes and summarises them with 95 % intervals; [`figures`] draws them.
//!
//! ## Terminology
//!
//! - **Mask** (eq. 7–8): participant `i` receives peer `j`'s output scaled by
//!   `m_ij = σ((s_i w_ij − μ_j) / T)`, `μ_j = (1/n) Σ_k s_k w_kj`: weighting a peer less than
//!   the others do cuts one off from it. Outputs are taken as `f_j ≡ 1`.
//! - **Loss** (eq. 16/24): `L_i(W) = (1 − m_i)ᵀ H_i (1 − m_i)`, the second-order loss of the
//!   masked inputs relative to full connectivity.
//! - **Payoff** (eq. 12, 22): `P_i = τ R_i − α L_i`; its gradient divided by `τ` is eq. 15,
//!   `(α/τ)(−∂L_i/∂W_i) + ∂R_i/∂W_i`. Seed 000 prints a plus sign before the loss term; a
//!   participant maximising payoff descends its loss, so the loss term enters with a minus.
//! - **Idealised ranking** `R` (eq. 2 with `ΔF_j = −e_j`): `R_j = (1/n) Σ_i H_i[j][j]`.
//! - **Competitive ranking** `R*` (eq. 4): `(1/n) Wᵀ 1` at the end of the descent.
//! - **Chain incentive** `I`: the converged `W` quantised to `u16` rows as `set_weights`
//!   sends them, through [`mindnet_math::epoch()`] ([`chain::incentive`]).
//! - **Sparsity** (seed 001, MECHANISM.md step 14): `Σ_i s_i w_ii / Σ_ij s_i w_ij`.
//!
//! ## Interface
//!
//! - [`model`]: [`model::ModelConfig`] (defaults as constants), [`model::Network::draw`],
//!   [`model::Network::gradient`], [`model::project_simplex`], [`model::descend`].
//! - [`experiments`]: [`experiments::run_trials`] (Figures 4 and 6) and
//!   [`experiments::adaptive`] (Figure 5), each with CSV writers.
//! - [`figures`]: one SVG per experiment.
//! - [`stats`], [`rng`], [`chain`]: Spearman ρ and intervals, the seeded generator, the
//!   chain's epoch.
//!
//! ## Usage
//!
//! ```no_run
//! use mindnet_sim::seed::{model::{self, Balance, ModelConfig, Network}, stats::spearman};
//! let config = ModelConfig::default();
//! let net = Network::draw(16, 0, &config);
//! let out = model::descend(&net, Balance::ratio(25.0), &config);
//! let rho = spearman(&model::competitive_ranking(&out.weights), &net.ideal_ranking());
//! ```
//!
//! The binary runs them as `mindnet-sim descent | scaling | adaptive` and
//! `scripts/bench/seed-experiments.sh` runs all three at full size.

pub mod chain;
pub mod experiments;
pub mod figures;
pub mod model;
pub mod rng;
pub mod stats;
