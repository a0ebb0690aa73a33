//! Checkpoints: the model's parameters and Adam's moments as safetensors, with the step
//! count, Adam's step counts, the model's sizes, the peers' scores (by hotkey) and the gate
//! columns' owners in the safetensors metadata. Written to a temporary file and renamed, so
//! a crash mid-write leaves the previous checkpoint whole.

use crate::error::{Error, Result};
use crate::model::{ModelConfig, TrainerState};
use crate::score::{Hotkey, Score, Scores};
use safetensors::{tensor::TensorView, Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;

/// What a checkpoint holds besides the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    /// Training steps taken.
    pub step: u64,
    /// The model's sizes.
    pub config: ModelConfig,
    /// The peers' scores.
    pub scores: Scores,
    /// The gate columns' owners.
    pub columns: Vec<(usize, Hotkey)>,
}

fn hotkey_of(hex_str: &str) -> Option<Hotkey> {
    hex::decode(hex_str).ok()?.try_into().ok()
}

/// Writes `state` and `meta` to `path`.
pub fn save(path: &Path, state: &TrainerState, meta: &Meta) -> Result<()> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = state
        .tensors
        .iter()
        .map(|(n, s, v)| {
            (
                n.clone(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| {
            TensorView::new(Dtype::F32, s.clone(), b)
                .map(|v| (n.clone(), v))
                .map_err(|e| Error::internal(format!("checkpoint tensor {n}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let scores: Vec<serde_json::Value> = meta
        .scores
        .iter()
        .map(|(hotkey, s)| serde_json::json!({"hotkey": hex::encode(hotkey), "value": s.value, "batches": s.batches, "failures": s.failures}))
        .collect();
    let columns: Vec<(usize, String)> = meta
        .columns
        .iter()
        .map(|(c, h)| (*c, hex::encode(h)))
        .collect();
    let mut info = HashMap::new();
    info.insert("step".to_string(), meta.step.to_string());
    info.insert(
        "config".to_string(),
        serde_json::to_string(&meta.config).unwrap_or_default(),
    );
    info.insert(
        "scores".to_string(),
        serde_json::Value::Array(scores).to_string(),
    );
    info.insert("score_rate".to_string(), meta.scores.rate.to_string());
    info.insert(
        "columns".to_string(),
        serde_json::to_string(&columns).unwrap_or_default(),
    );
    info.insert(
        "adam_steps".to_string(),
        serde_json::to_string(&state.steps).unwrap_or_default(),
    );
    let data = safetensors::serialize(views, Some(info))
        .map_err(|e| Error::internal(format!("serialising the checkpoint: {e}")))?;
    let tmp = path.with_extension("safetensors.tmp");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::usage(format!(
                "cannot create the checkpoint folder {}: {e}",
                dir.display()
            ))
        })?;
    }
    std::fs::write(&tmp, data)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            Error::usage(format!(
                "cannot write the checkpoint {}: {e}",
                path.display()
            ))
        })
}

/// Reads a checkpoint written by [`save`].
pub fn load(path: &Path) -> Result<(TrainerState, Meta)> {
    let bad = |what: String| {
        Error::usage(format!(
            "{} is not a learner checkpoint ({what}): move it away to start afresh",
            path.display()
        ))
    };
    let data = std::fs::read(path).map_err(|e| {
        Error::usage(format!(
            "cannot read the checkpoint {}: {e}",
            path.display()
        ))
    })?;
    let (_, header) = SafeTensors::read_metadata(&data).map_err(|e| bad(e.to_string()))?;
    let info = header.metadata().clone().unwrap_or_default();
    let get = |k: &str| info.get(k).cloned().ok_or_else(|| bad(format!("no {k}")));
    let step: u64 = get("step")?.parse().map_err(|_| bad("step".into()))?;
    let config: ModelConfig =
        serde_json::from_str(&get("config")?).map_err(|e| bad(format!("config: {e}")))?;
    let rate: f64 = get("score_rate")?
        .parse()
        .map_err(|_| bad("score_rate".into()))?;
    let mut scores = Scores::new(rate);
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&get("scores")?).map_err(|e| bad(format!("scores: {e}")))?;
    for s in list {
        let hotkey = s["hotkey"].as_str().and_then(hotkey_of);
        let value = s["value"].as_f64();
        let batches = s["batches"].as_u64();
        let failures = s["failures"].as_u64().and_then(|f| u32::try_from(f).ok());
        match (hotkey, value, batches, failures) {
            (Some(hotkey), Some(value), Some(batches), Some(failures)) => scores.insert(
                hotkey,
                Score {
                    value,
                    batches,
                    failures,
                },
            ),
            _ => return Err(bad("a malformed score".into())),
        }
    }
    let listed: Vec<(usize, String)> =
        serde_json::from_str(&get("columns")?).map_err(|e| bad(format!("columns: {e}")))?;
    let columns = listed
        .into_iter()
        .map(|(c, h)| Some((c, hotkey_of(&h)?)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("a malformed column".into()))?;
    let steps =
        serde_json::from_str(&get("adam_steps")?).map_err(|e| bad(format!("adam_steps: {e}")))?;
    let st = SafeTensors::deserialize(&data).map_err(|e| bad(e.to_string()))?;
    let mut tensors = Vec::new();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!("{name} is not F32")));
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        tensors.push((name, view.shape().to_vec(), values));
    }
    Ok((
        TrainerState { tensors, steps },
        Meta {
            step,
            config,
            scores,
            columns,
        },
    ))
}
