//! The experiments' figures as SVG (plotters' SVG backend, as [`crate::plot`] draws).

use super::experiments::{AdaptivePoint, AdaptiveReport, TrialsReport};
use plotters::prelude::*;
use std::path::Path;

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Line colours, one per series, readable on white.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// `[lo, hi]` widened by 5 % on each side (and to a unit interval when flat).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1e-9) };
    (lo - 0.05 * span, hi + 0.05 * span)
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    padded(lo, hi)
}

/// Figure 4: per ratio, every peer of the first network, its competitive score `R*_j`
/// (and the chain's incentive `I_j`) against its idealised score `R_j` (scaled to sum 1),
/// with the mean ρ over all seeds in the panel's title.
pub fn descent(report: &TrialsReport, path: &Path) -> Drawn {
    let mut ratios: Vec<f64> = Vec::new();
    for p in &report.peers {
        if !ratios.contains(&p.ratio) {
            ratios.push(p.ratio);
        }
    }
    let cols = (ratios.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = ratios.len().div_ceil(cols).max(1);
    let root =
        SVGBackend::new(path, (480 * cols as u32, 420 * rows as u32 + 40)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(40);
    title.titled(
        "Competitive ranking R* (eq. 4) and chain incentive I against the idealised R (eq. 2)",
        ("sans-serif", 20),
    )?;
    let panels = body.split_evenly((rows, cols));
    let ideal_sum: f64 = {
        let first = ratios.first().copied().unwrap_or(0.0);
        report
            .peers
            .iter()
            .filter(|p| p.ratio == first)
            .map(|p| p.ideal)
            .sum()
    };
    let scale = if ideal_sum > 0.0 {
        1.0 / ideal_sum
    } else {
        1.0
    };
    for (panel, &ratio) in panels.iter().zip(&ratios) {
        let peers: Vec<_> = report.peers.iter().filter(|p| p.ratio == ratio).collect();
        let summary = report.summary.iter().find(|s| s.ratio == ratio);
        let caption = match summary {
            Some(s) => format!(
                "α/τ = {ratio}: ρ = {:.2} ± {:.2}, chain {:.2} ± {:.2}",
                s.competitive.mean, s.competitive.ci95, s.chain.mean, s.chain.ci95
            ),
            None => format!("α/τ = {ratio}"),
        };
        let x = bounds(peers.iter().map(|p| p.ideal * scale));
        let y = bounds(peers.iter().flat_map(|p| [p.competitive, p.chain]));
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
        chart
            .configure_mesh()
            .x_desc("idealised R_j (share)")
            .y_desc("score")
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|v| format!("{v:.3}"))
            .y_label_formatter(&|v| format!("{v:.3}"))
            .draw()?;
        chart
            .draw_series(
                peers
                    .iter()
                    .map(|p| Circle::new((p.ideal * scale, p.competitive), 4, BLUE.filled())),
            )?
            .label("R* (eq. 4)")
            .legend(|(x, y)| Circle::new((x + 8, y), 4, BLUE.filled()));
        chart
            .draw_series(
                peers
                    .iter()
                    .map(|p| Cross::new((p.ideal * scale, p.chain), 4, RED.stroke_width(2))),
            )?
            .label("chain incentive I")
            .legend(|(x, y)| Cross::new((x + 8, y), 4, RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// A vertical error bar with caps, as path segments.
fn error_bar(
    x: f64,
    lo: f64,
    hi: f64,
    cap: f64,
    style: ShapeStyle,
) -> Vec<PathElement<(f64, f64)>> {
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// Figure 6: mean ρ with its 95 % interval against `n`, for the competitive ranking and
/// the chain's incentive.
pub fn scaling(report: &TrialsReport, path: &Path) -> Drawn {
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let ratio = report.summary.first().map(|s| s.ratio).unwrap_or(0.0);
    let seeds = report
        .summary
        .first()
        .map(|s| s.competitive.count)
        .unwrap_or(0);
    let n_max = report.summary.iter().map(|s| s.n).max().unwrap_or(1) as f64;
    let x = (0.0, n_max * 1.05);
    let y = bounds(report.summary.iter().flat_map(|s| {
        [
            s.competitive.mean - s.competitive.ci95,
            s.competitive.mean + s.competitive.ci95,
            s.chain.mean - s.chain.ci95,
            s.chain.mean + s.chain.ci95,
        ]
    }));
    let y = (y.0.min(0.0), y.1.clamp(1.0, 1.05));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Spearman ρ against the idealised ranking, α/τ = {ratio}, {seeds} seeds, 95 % CI"
            ),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc("participants n")
        .y_desc("Spearman ρ")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    let offset = n_max * 0.006;
    for (k, (label, color)) in [("competitive R* (eq. 4)", BLUE), ("chain incentive I", RED)]
        .into_iter()
        .enumerate()
    {
        let shift = if k == 0 { -offset } else { offset };
        let stat = |s: &super::experiments::Summary| if k == 0 { s.competitive } else { s.chain };
        let points: Vec<(f64, f64)> = report
            .summary
            .iter()
            .map(|s| (s.n as f64 + shift, stat(s).mean))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        for s in &report.summary {
            let m = stat(s);
            chart.draw_series(error_bar(
                s.n as f64 + shift,
                m.mean - m.ci95,
                m.mean + m.ci95,
                n_max * 0.008,
                color.stroke_width(1),
            ))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// One panel of Figure 5: what it plots of each point, on which range.
struct Panel {
    title: &'static str,
    y_desc: &'static str,
    range: (f64, f64),
    value: fn(&AdaptivePoint) -> f64,
}

/// Figure 5: the first seed's runs, one colour per target: the sparsity (dashed: its
/// target), the inflation τ, and ρ of `R*` against `R`, over steps.
pub fn adaptive(report: &AdaptiveReport, path: &Path) -> Drawn {
    let root = SVGBackend::new(path, (1500, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 3));
    let mut targets: Vec<f64> = Vec::new();
    for p in &report.trajectory {
        if !targets.contains(&p.target) {
            targets.push(p.target);
        }
    }
    let last = report
        .trajectory
        .iter()
        .map(|p| p.step)
        .max()
        .unwrap_or(1)
        .max(1);
    let tau_max = report
        .trajectory
        .iter()
        .map(|p| p.tau)
        .fold(0.0_f64, f64::max);
    let rho_min = report
        .trajectory
        .iter()
        .map(|p| p.rho_competitive)
        .fold(0.0_f64, f64::min);
    let specs = [
        Panel {
            title: "Sparsity Σ s_i w_ii / Σ s_i w_ij",
            y_desc: "sparsity",
            range: (0.0, 1.0),
            value: |p| p.sparsity,
        },
        Panel {
            title: "Inflation τ (α = 1)",
            y_desc: "τ",
            range: (0.0, (tau_max * 1.1).max(1e-6)),
            value: |p| p.tau,
        },
        Panel {
            title: "Spearman ρ(R*, R)",
            y_desc: "ρ",
            range: (rho_min.min(0.0), 1.0),
            value: |p| p.rho_competitive,
        },
    ];
    for (k, (panel, spec)) in panels.iter().zip(specs).enumerate() {
        let Panel {
            title,
            y_desc,
            range: (lo, hi),
            value,
        } = spec;
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(0..last, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc(y_desc)
            .x_labels(5)
            .draw()?;
        for (c, &target) in targets.iter().enumerate() {
            let color = PALETTE[c % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    report
                        .trajectory
                        .iter()
                        .filter(|p| p.target == target)
                        .map(|p| (p.step, value(p))),
                    color.stroke_width(2),
                ))?
                .label(format!("target {target}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            if k == 0 {
                chart.draw_series(DashedLineSeries::new(
                    [(0, target), (last, target)],
                    6,
                    4,
                    color.stroke_width(1),
                ))?;
            }
        }
        chart
            .configure_series_labels()
            .position(if k == 0 {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::LowerRight
            })
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
