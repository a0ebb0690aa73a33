//! The empirical model of seed 000 §3.2: stake, masked connectivity, each participant's
//! loss over its masked inputs, and the competitive descent that every participant runs on
//! its own row of `W`.

use super::rng::SplitMix64;

/// How the participants' stake is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stake {
    /// `s_i = 1` for every `i`: eq. 5's ranking is then eq. 4's.
    #[default]
    Uniform,
    /// `s_i` uniform on `[0.5, 1.5)`, then scaled to mean 1.
    Random,
}

/// The model's fixed parameters (seed 000's θ less `n` and the ratio `α/τ`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelConfig {
    /// `T₀`: the mask's temperature in units of the mean weight, `T = T₀ / n`.
    pub temperature: f64,
    /// `λ`, the learning rate of every participant's step.
    pub learning_rate: f64,
    /// `ε`: descent stops once no weight moves by more than `λ ε` in a step (the projected
    /// gradient's largest entry is below `ε`).
    pub tolerance: f64,
    /// Descent stops after `steps_per_peer × n` steps at the latest.
    pub steps_per_peer: usize,
    /// Peer quality `q_j` is uniform on `[1 − spread, 1 + spread)`; 0 gives i.i.d. Wishart
    /// Hessians in which no peer is more useful than another in expectation.
    pub quality_spread: f64,
    /// How stake is drawn.
    pub stake: Stake,
}

impl ModelConfig {
    /// `T₀ = 3`. It sets the ratio `α/τ` at which the fully disconnected state `W = I`
    /// stops being an equilibrium: with `T₀ = 3` it is one at `α/τ = 1` (all 200 of 200
    /// networks tried at n = 16 and 32 end there) and is left at `α/τ = 10`. A weight one
    /// mean weight (`1/n`) above its column mean opens the mask to `σ(1/3) ≈ 0.58`.
    pub const TEMPERATURE: f64 = 3.0;
    /// `λ = 0.005`, as in seed 000 §3.3.
    pub const LEARNING_RATE: f64 = 0.005;
    /// `ε = 10⁻⁶`.
    pub const TOLERANCE: f64 = 1e-6;
    /// `1000 × n` steps at most, as in seed 000 §3.3.
    pub const STEPS_PER_PEER: usize = 1000;
    /// `q_j ∈ [0.5, 1.5)`.
    pub const QUALITY_SPREAD: f64 = 0.5;
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            temperature: Self::TEMPERATURE,
            learning_rate: Self::LEARNING_RATE,
            tolerance: Self::TOLERANCE,
            steps_per_peer: Self::STEPS_PER_PEER,
            quality_spread: Self::QUALITY_SPREAD,
            stake: Stake::Uniform,
        }
    }
}

/// A dense square matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    n: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// The `n × n` zero matrix.
    pub fn zeros(n: usize) -> Self {
        Self {
            n,
            data: vec![0.0; n * n],
        }
    }

    /// The identity: every participant weights only itself.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    /// A matrix from its rows; `None` unless every row has as many entries as there are
    /// rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Option<Self> {
        let n = rows.len();
        if rows.iter().any(|r| r.len() != n) {
            return None;
        }
        Some(Self {
            n,
            data: rows.concat(),
        })
    }

    /// The side length.
    pub fn size(&self) -> usize {
        self.n
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n..(i + 1) * self.n]
    }

    /// Row `i`, mutably.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.n..(i + 1) * self.n]
    }

    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n + j]
    }

    /// Sets entry `(i, j)`.
    pub fn set(&mut self, i: usize, j: usize, value: f64) {
        self.data[i * self.n + j] = value;
    }

    /// The rows, as vectors.
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        (0..self.n).map(|i| self.row(i).to_vec()).collect()
    }

    /// `M x`. The hot loop of the descent (`n³` per step): written as plain indexed loops,
    /// which the unoptimised test profile runs several times faster than iterator chains.
    pub fn mul_vec(&self, x: &[f64], out: &mut [f64]) {
        let n = self.n;
        let x = &x[..n];
        for (o, row) in out.iter_mut().zip(self.data.chunks_exact(n)) {
            let mut acc = 0.0;
            for k in 0..n {
                acc += row[k] * x[k];
            }
            *o = acc;
        }
    }
}

/// How much each term of the payoff weighs in a participant's step: the step ascends
/// `rank · R_i − loss · L_i`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Balance {
    /// The coefficient of the loss: `α/τ` in eq. 15, `α` under adaptive τ.
    pub loss: f64,
    /// The coefficient of the ranking: 1 in eq. 15, `τ` under adaptive τ.
    pub rank: f64,
}

impl Balance {
    /// Eq. 15 at a fixed ratio `α/τ`.
    pub fn ratio(alpha_over_tau: f64) -> Self {
        Self {
            loss: alpha_over_tau,
            rank: 1.0,
        }
    }
}

/// One drawn network: what seed 000 §3.3 draws per trial.
#[derive(Clone, Debug)]
pub struct Network {
    /// `n`.
    pub n: usize,
    /// `s_i`, mean 1.
    pub stake: Vec<f64>,
    /// `q_j`, the usefulness of peer `j`'s output to everyone (shared by all Hessians).
    pub quality: Vec<f64>,
    /// `H_i`, participant `i`'s loss Hessian over its `n` inputs (positive semi-definite).
    pub hessians: Vec<Matrix>,
    /// `W₀`: rows drawn uniformly from the simplex.
    pub initial: Matrix,
    /// `T`, the mask's temperature (`T₀ / n`).
    pub temperature: f64,
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The stream of the generator for one component of one network.
fn stream(n: usize, component: u64) -> u64 {
    ((n as u64) << 8) | component
}

impl Network {
    /// Draws network `seed` of size `n`. Each component (quality, stake, Hessians, initial
    /// weights) has its own random stream, so changing how stake is drawn leaves the
    /// Hessians and `W₀` as they were.
    ///
    /// `H_i = Q A_i A_iᵀ Q / n³` with `A_i` an `n × n` standard normal matrix and
    /// `Q = diag(q)`: a Fisher matrix from `n` samples whose scale on input `j` is the
    /// peer's quality. `/ n³` puts the trace at `1/n`, which keeps the loss gradient and the
    /// ranking gradient (`1/n`) in the same proportion at every `n`.
    pub fn draw(n: usize, seed: u64, config: &ModelConfig) -> Self {
        let spread = config.quality_spread;
        let mut rng = SplitMix64::with_stream(seed, stream(n, 1));
        let quality: Vec<f64> = (0..n)
            .map(|_| rng.uniform_in(1.0 - spread, 1.0 + spread))
            .collect();
        let stake = match config.stake {
            Stake::Uniform => vec![1.0; n],
            Stake::Random => {
                let mut rng = SplitMix64::with_stream(seed, stream(n, 2));
                let raw: Vec<f64> = (0..n).map(|_| rng.uniform_in(0.5, 1.5)).collect();
                let mean = raw.iter().sum::<f64>() / n as f64;
                raw.iter().map(|s| s / mean).collect()
            }
        };
        let mut rng = SplitMix64::with_stream(seed, stream(n, 3));
        let scale = 1.0 / (n as f64).powi(3);
        let hessians = (0..n)
            .map(|_| {
                let a: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
                let mut h = Matrix::zeros(n);
                for j in 0..n {
                    for k in j..n {
                        let dot: f64 = a[j * n..(j + 1) * n]
                            .iter()
                            .zip(&a[k * n..(k + 1) * n])
                            .map(|(x, y)| x * y)
                            .sum();
                        let v = quality[j] * quality[k] * dot * scale;
                        h.set(j, k, v);
                        h.set(k, j, v);
                    }
                }
                h
            })
            .collect();
        let mut rng = SplitMix64::with_stream(seed, stream(n, 4));
        let rows: Vec<Vec<f64>> = (0..n).map(|_| rng.simplex(n)).collect();
        let initial = Matrix::from_rows(&rows).unwrap_or_else(|| Matrix::identity(n));
        Self {
            n,
            stake,
            quality,
            hessians,
            initial,
            temperature: config.temperature / n as f64,
        }
    }

    /// Eq. 2 with `ΔF_j = −e_j` (every output `f_j ≡ 1`): `R_j = (1/n) Σ_i H_i[j][j]`, the
    /// loss the network would suffer, to second order, if peer `j` were removed.
    pub fn ideal_ranking(&self) -> Vec<f64> {
        let n = self.n as f64;
        (0..self.n)
            .map(|j| self.hessians.iter().map(|h| h.get(j, j)).sum::<f64>() / n)
            .collect()
    }

    /// `μ_j = (1/n) Σ_i s_i w_ij`: the column means of eq. 7 (and eq. 5's ranking).
    pub fn column_means(&self, w: &Matrix) -> Vec<f64> {
        stake_ranking(&self.stake, w)
    }

    /// Participant `i`'s mask `m_ij = σ((s_i w_ij − μ_j) / T)` and its complement
    /// `1 − m_ij`.
    fn mask(&self, w: &Matrix, mu: &[f64], i: usize, m: &mut [f64], d: &mut [f64]) {
        let s = self.stake[i];
        for (j, (&wij, &mu_j)) in w.row(i).iter().zip(mu).enumerate() {
            let x = (s * wij - mu_j) / self.temperature;
            m[j] = sigmoid(x);
            d[j] = sigmoid(-x);
        }
    }

    /// `L_i(W) = (1 − m_i)ᵀ H_i (1 − m_i)`: eq. 16/24 with the unmasked inputs as the
    /// minimum, i.e. the loss participant `i` suffers from its masked inputs.
    pub fn loss(&self, w: &Matrix, i: usize) -> f64 {
        let n = self.n;
        let mu = self.column_means(w);
        let (mut m, mut d, mut hd) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        self.mask(w, &mu, i, &mut m, &mut d);
        self.hessians[i].mul_vec(&d, &mut hd);
        d.iter().zip(&hd).map(|(a, b)| a * b).sum()
    }

    /// Writes every participant's payoff gradient over its own row into `out`:
    /// `g_ij = −balance.loss · ∂L_i/∂w_ij + balance.rank · ∂R_i/∂w_ij`, with
    ///
    /// - `∂L_i/∂w_ij = −2 (H_i (1 − m_i))_j · m_ij (1 − m_ij) · s_i (1 − 1/n) / T`
    ///   (`w_ij` moves `m_ij` directly and through `μ_j`, `∂μ_j/∂w_ij = s_i / n`), and
    /// - `∂R_i/∂w_ij = s_i / n` if `j = i`, else 0 (eq. 5).
    pub fn gradient(&self, w: &Matrix, balance: Balance, out: &mut Matrix) {
        let n = self.n;
        let inv_n = 1.0 / n as f64;
        let mu = self.column_means(w);
        let (mut m, mut d, mut hd) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            let s = self.stake[i];
            self.mask(w, &mu, i, &mut m, &mut d);
            self.hessians[i].mul_vec(&d, &mut hd);
            let chain = s * (1.0 - inv_n) / self.temperature;
            let g = out.row_mut(i);
            for j in 0..n {
                let dloss = -2.0 * hd[j] * m[j] * d[j] * chain;
                g[j] = -balance.loss * dloss;
            }
            g[i] += balance.rank * s * inv_n;
        }
    }
}

/// Eq. 4, the competitive ranking `R* = (1/n) Wᵀ 1`: column means of `W`.
pub fn competitive_ranking(w: &Matrix) -> Vec<f64> {
    let n = w.size();
    let mut r = vec![0.0; n];
    for i in 0..n {
        for (rj, wij) in r.iter_mut().zip(w.row(i)) {
            *rj += wij;
        }
    }
    r.iter_mut().for_each(|v| *v /= n as f64);
    r
}

/// Eq. 5, `R = (1/n) (W ∘ S)ᵀ 1`: `R_j = (1/n) Σ_i s_i w_ij`.
pub fn stake_ranking(stake: &[f64], w: &Matrix) -> Vec<f64> {
    let n = w.size();
    let mut r = vec![0.0; n];
    for (i, s) in stake.iter().enumerate().take(n) {
        for (rj, wij) in r.iter_mut().zip(w.row(i)) {
            *rj += s * wij;
        }
    }
    r.iter_mut().for_each(|v| *v /= n as f64);
    r
}

/// Seed 001's sparsity, stake-weighted as MECHANISM.md step 14 writes it:
/// `Σ_i s_i w_ii / Σ_ij s_i w_ij` (with equal stake: `trace(W) / Σ W`). 1 when every
/// participant weights only itself, about `1/n` for uniformly random rows.
pub fn sparsity(stake: &[f64], w: &Matrix) -> f64 {
    let (mut diag, mut total) = (0.0, 0.0);
    for (i, s) in stake.iter().enumerate().take(w.size()) {
        diag += s * w.get(i, i);
        total += s * w.row(i).iter().sum::<f64>();
    }
    if total > 0.0 {
        diag / total
    } else {
        0.0
    }
}

/// Euclidean projection of `v` onto the probability simplex `{x ≥ 0, Σ x = 1}`, in place
/// (Duchi, Shalev-Shwartz, Singer and Chandra 2008: sort, find the threshold, clip).
pub fn project_simplex(v: &mut [f64]) {
    if v.is_empty() {
        return;
    }
    let mut u: Vec<f64> = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut theta = 0.0;
    for (k, uk) in u.iter().enumerate() {
        cumulative += uk;
        let t = (cumulative - 1.0) / (k + 1) as f64;
        if uk - t > 0.0 {
            theta = t;
        }
    }
    v.iter_mut().for_each(|x| *x = (*x - theta).max(0.0));
}

/// Where a descent stopped.
#[derive(Clone, Debug)]
pub struct Descent {
    /// The weights it stopped at.
    pub weights: Matrix,
    /// How many steps it took.
    pub steps: usize,
    /// Whether it stopped because the projected gradient fell below `ε`.
    pub converged: bool,
    /// The largest entry of the last projected gradient.
    pub residual: f64,
}

/// The competitive descent of eq. 13–14, one synchronous step for all rows at a time.
#[derive(Clone, Debug)]
pub struct Descender {
    /// The current `W`.
    pub weights: Matrix,
    gradient: Matrix,
}

impl Descender {
    /// Starts from `weights`.
    pub fn new(weights: Matrix) -> Self {
        let n = weights.size();
        Self {
            weights,
            gradient: Matrix::zeros(n),
        }
    }

    /// Every participant `i` at once: `W_i ← Π(W_i + λ g_i)`, `Π` the projection onto the
    /// simplex. Returns the largest entry of the projected gradient `|ΔW| / λ`.
    pub fn step(&mut self, net: &Network, balance: Balance, learning_rate: f64) -> f64 {
        net.gradient(&self.weights, balance, &mut self.gradient);
        let mut residual: f64 = 0.0;
        let mut next = vec![0.0; net.n];
        for i in 0..net.n {
            let row = self.weights.row(i);
            for (x, (w, g)) in next.iter_mut().zip(row.iter().zip(self.gradient.row(i))) {
                *x = w + learning_rate * g;
            }
            project_simplex(&mut next);
            for (x, w) in next.iter().zip(row) {
                residual = residual.max((x - w).abs() / learning_rate);
            }
            self.weights.row_mut(i).copy_from_slice(&next);
        }
        residual
    }
}

/// Runs the competitive descent from `net.initial` until the projected gradient is below
/// `ε` or `steps_per_peer × n` steps have passed.
pub fn descend(net: &Network, balance: Balance, config: &ModelConfig) -> Descent {
    let mut descender = Descender::new(net.initial.clone());
    let max_steps = config.steps_per_peer.saturating_mul(net.n).max(1);
    let mut steps = 0;
    let mut residual = f64::INFINITY;
    while steps < max_steps {
        residual = descender.step(net, balance, config.learning_rate);
        steps += 1;
        if residual < config.tolerance {
            break;
        }
    }
    Descent {
        converged: residual < config.tolerance,
        weights: descender.weights,
        steps,
        residual,
    }
}
