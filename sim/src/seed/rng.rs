//! A small seeded random source: SplitMix64 (Steele, Lea and Flood 2014) and the
//! distributions the experiments draw from.
//!
//! The workspace's `rand` crates are not dependencies of this crate, and the experiments
//! need only three distributions, so the generator lives here: the same seed gives the
//! same numbers on every platform and in every build profile.

/// SplitMix64: 64 bits of state, passes BigCrush, one multiply-xorshift per draw.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one `(seed, stream)` pair: streams of one seed do not overlap in
    /// practice (the stream is mixed into the start state).
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        let mut mix = Self::new(stream ^ 0xA076_1D64_78BD_642F);
        Self::new(seed ^ mix.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on `[0, 1)`, with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on `[lo, hi)`.
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal, by the Box–Muller transform (one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A point drawn uniformly from the probability simplex in `n` dimensions
    /// (Dirichlet(1, …, 1): normalised standard exponentials).
    pub fn simplex(&mut self, n: usize) -> Vec<f64> {
        let mut x: Vec<f64> = (0..n).map(|_| -(1.0 - self.uniform()).ln()).collect();
        let sum: f64 = x.iter().sum();
        if sum > 0.0 {
            x.iter_mut().for_each(|v| *v /= sum);
        } else {
            x.iter_mut().for_each(|v| *v = 1.0 / n as f64);
        }
        x
    }
}
