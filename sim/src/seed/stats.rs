//! Rank correlation and confidence intervals.

use serde::Serialize;

/// The ranks of `x`, 1-based, ties given the average of the ranks they span
/// (`[10, 20, 20, 30]` → `[1, 2.5, 2.5, 4]`).
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && x[order[end]] == x[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their mean:
        let rank = (start + 1 + end) as f64 / 2.0;
        for &k in &order[start..end] {
            out[k] = rank;
        }
        start = end;
    }
    out
}

/// Pearson's correlation of `a` and `b`; 0 when either is constant (it orders nothing).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let mean = |v: &[f64]| v[..n].iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let (da, db) = (a[k] - ma, b[k] - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return 0.0;
    }
    (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0)
}

/// Spearman's ρ: Pearson's correlation of the tie-averaged ranks. A constant vector (every
/// score equal, as when every peer weights only itself) has no order to agree with and
/// scores 0.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish–Fisher expansion about the normal quantile; within 1e-3 for df > 30.
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// A sample mean with its 95 % confidence interval (Student's t).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanCi {
    /// The sample mean.
    pub mean: f64,
    /// Half the width of the 95 % interval: the mean lies in `mean ± ci95` (infinite for
    /// fewer than two samples).
    pub ci95: f64,
    /// The sample standard deviation.
    pub sd: f64,
    /// How many samples.
    pub count: usize,
}

impl MeanCi {
    /// The mean and 95 % interval of `x`.
    pub fn of(x: &[f64]) -> Self {
        let count = x.len();
        if count == 0 {
            return Self {
                mean: 0.0,
                ci95: f64::INFINITY,
                sd: 0.0,
                count,
            };
        }
        let mean = x.iter().sum::<f64>() / count as f64;
        if count < 2 {
            return Self {
                mean,
                ci95: f64::INFINITY,
                sd: 0.0,
                count,
            };
        }
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1) as f64;
        let sd = var.sqrt();
        Self {
            mean,
            ci95: t95(count - 1) * sd / (count as f64).sqrt(),
            sd,
            count,
        }
    }
}
