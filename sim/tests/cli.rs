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
