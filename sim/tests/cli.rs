//! The `mindnet-sim` binary: output shape, plot, and errors that name the field.

use std::{path::PathBuf, process::Command};

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mindnet-sim"))
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mindnet-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GOOD: &str = r#"{"params": {"rho": 10, "kappa": 0.5, "alpha": 0.1, "delta": 0.5,
  "activity_cutoff": 5000, "mask_self_weight": false, "emission": 100000000000, "tempo": 100},
  "block": 0,
  "neurons": [
    {"stake": 1000, "last_update": 1, "registered_at": 0, "weights": [[1, 65535], [2, 100]]},
    {"stake": 2000, "last_update": 1, "registered_at": 0, "weights": [[2, 1]]},
    {"stake": 7000, "last_update": 1, "registered_at": 0, "weights": [[1, 1], [2, 3]]}]}"#;

#[test]
fn prints_one_object_per_epoch_and_draws_a_plot() {
    let scenario = write("good.json", GOOD);
    let svg = scenario.with_extension("svg");
    let out = sim()
        .args([
            "--scenario",
            scenario.to_str().unwrap(),
            "--epochs",
            "3",
            "--plot",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let epochs = report["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 3);
    for key in [
        "rank",
        "trust",
        "consensus",
        "incentive",
        "dividends",
        "emission",
        "stake",
    ] {
        assert_eq!(epochs[0][key].as_array().unwrap().len(), 3, "{key}");
    }
    let minted: u64 = epochs[0]["emission"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap())
        .sum();
    assert_eq!(minted, 100_000_000_000);
    // Stake grows by each epoch's emission.
    let stake0 = epochs[0]["stake"][2].as_u64().unwrap();
    let stake1 = epochs[1]["stake"][2].as_u64().unwrap();
    assert_eq!(stake1, stake0 + epochs[1]["emission"][2].as_u64().unwrap());
    assert!(epochs[0]["loss"].as_f64().unwrap() < 0.0);
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(
        drawing.starts_with("<svg") && drawing.contains("<polyline"),
        "an SVG line chart"
    );
}

fn error_of(text: &str) -> String {
    let scenario = write("bad.json", text);
    let out = sim()
        .args(["--scenario", scenario.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a bad scenario must fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_input_names_the_field() {
    let missing = GOOD.replace(r#""tempo": 100"#, r#""tmpo": 100"#);
    assert!(
        error_of(&missing).contains("params.tempo: missing"),
        "{}",
        error_of(&missing)
    );
    let fractional = GOOD.replace(r#""stake": 2000"#, r#""stake": 20.5"#);
    assert!(error_of(&fractional).contains("neurons[1].stake: expected a non-negative integer"));
    let out_of_range = GOOD.replace("[[2, 1]]", "[[3, 1]]");
    assert!(error_of(&out_of_range).contains("neurons[1].weights[0][0]: uid 3 out of range"));
    let kappa = GOOD.replace(r#""kappa": 0.5"#, r#""kappa": 2"#);
    assert!(error_of(&kappa).contains("params.kappa"));
    assert!(error_of("{not json").contains("not valid JSON"));
}

/// A fresh folder for one test's outputs.
fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mindnet-sim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The seed's experiments at a small size and a large learning rate (fast in debug).
const FAST: [&str; 6] = [
    "--learning-rate",
    "0.2",
    "--steps-per-peer",
    "25",
    "--tolerance",
    "1e-4",
];

fn run_ok(args: &[&str]) -> String {
    let out = sim().args(args).args(FAST).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn is_svg(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.starts_with("<svg"))
}

#[test]
fn descent_writes_its_tables_and_figure() {
    let dir = out_dir("descent");
    let figure = dir.join("fig/four.svg");
    let stdout = run_ok(&[
        "descent",
        "--n",
        "6",
        "--ratios",
        "1,25",
        "--seeds",
        "3",
        "--out",
        dir.to_str().unwrap(),
        "--figure",
        figure.to_str().unwrap(),
    ]);
    let summary = std::fs::read_to_string(dir.join("descent.csv")).unwrap();
    assert_eq!(stdout, summary);
    let lines: Vec<&str> = summary.lines().collect();
    assert!(lines[0].starts_with("n,ratio,seeds,rho_competitive,ci95_competitive,rho_chain"));
    assert_eq!(lines.len(), 3, "{summary}");
    assert!(lines[1].starts_with("6,1,3,0.0000,"), "{summary}");
    let trials = std::fs::read_to_string(dir.join("descent-trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 1 + 3 * 2);
    let peers = std::fs::read_to_string(dir.join("descent-peers.csv")).unwrap();
    assert_eq!(peers.lines().count(), 1 + 6 * 2);
    assert!(is_svg(&figure));
}

#[test]
fn scaling_and_adaptive_write_their_tables_and_figures() {
    let dir = out_dir("scaling");
    run_ok(&[
        "scaling",
        "--ns",
        "4,6",
        "--seeds",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let summary = std::fs::read_to_string(dir.join("scaling.csv")).unwrap();
    assert_eq!(summary.lines().count(), 3, "{summary}");
    assert!(is_svg(&dir.join("scaling.svg")));
    let dir = out_dir("adaptive");
    run_ok(&[
        "adaptive",
        "--n",
        "5",
        "--targets",
        "0.25,0.5",
        "--steps",
        "200",
        "--every",
        "50",
        "--seeds",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let trajectory = std::fs::read_to_string(dir.join("adaptive.csv")).unwrap();
    // Steps 0, 50, …, 200 for each of the two targets.
    assert_eq!(trajectory.lines().count(), 1 + 2 * 5, "{trajectory}");
    let summary = std::fs::read_to_string(dir.join("adaptive-summary.csv")).unwrap();
    assert!(summary.starts_with("target,seeds,sparsity"));
    assert_eq!(summary.lines().count(), 3);
    assert!(is_svg(&dir.join("adaptive.svg")));
}

#[test]
fn bad_experiment_arguments_say_what_to_give() {
    let dir = out_dir("bad");
    for (args, expect) in [
        (
            vec!["descent", "--ratios", "1,0"],
            "--ratios 0 is not usable",
        ),
        (vec!["descent", "--seeds", "1"], "--seeds 1 is too few"),
        (vec!["scaling", "--ns", "8,2"], "--ns 2 is out of range"),
        (
            vec!["adaptive", "--targets", "1"],
            "--targets 1 is not a sparsity",
        ),
        (vec!["descent", "--temperature", "-1"], "--temperature -1"),
    ] {
        let out = sim()
            .args(&args)
            .args(["--out", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(
            stderr.contains("give"),
            "{args:?} says how to fix it: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one sentence: {stderr}"
        );
    }
    assert!(!dir.exists(), "nothing is written for bad arguments");
}

#[test]
fn copier_writes_its_table_and_figures_and_refuses_a_bad_share() {
    let dir = std::env::temp_dir().join(format!("mindnet-sim-copier-{}", std::process::id()));
    let out = sim()
        .args([
            "copier", "--shares", "0.1", "--drifts", "0.05", "--epochs", "60", "--seeds", "1",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.join("copier.csv")).unwrap();
    // Static and drifting, copier with commit-reveal off and on, and the uniform control.
    assert_eq!(csv.lines().count(), 1 + 2 * 2 + 2, "{csv}");
    for svg in ["copier-off.svg", "copier-on.svg"] {
        assert!(std::fs::read_to_string(dir.join(svg))
            .unwrap()
            .contains("<svg"));
    }
    let bad = sim()
        .args(["copier", "--shares", "1.5", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--shares 1.5 is not a stake share"), "{err}");
}
