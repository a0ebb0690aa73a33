//! Checkpoints: the model's parameters as safetensors, with the step count, the model's
//! sizes and the peers' scores in the safetensors metadata. Written to a temporary file and
//! renamed, so a crash mid-write leaves the previous checkpoint whole.

use crate::error::{Error, Result};
use crate::model::{ModelConfig, NamedTensors};
use crate::score::{Score, Scores};
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
}

/// Writes `tensors` and `meta` to `path`.
pub fn save(path: &Path, tensors: &NamedTensors, meta: &Meta) -> Result<()> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
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
        .map(|(uid, s)| serde_json::json!({"uid": uid, "hotkey": s.hotkey, "value": s.value, "batches": s.batches}))
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
pub fn load(path: &Path) -> Result<(NamedTensors, Meta)> {
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
        let uid = s["uid"].as_u64().and_then(|u| u16::try_from(u).ok());
        let hotkey = s["hotkey"].as_str();
        let value = s["value"].as_f64();
        let batches = s["batches"].as_u64();
        match (uid, hotkey, value, batches) {
            (Some(uid), Some(hotkey), Some(value), Some(batches)) => scores.insert(
                uid,
                Score {
                    hotkey: hotkey.to_string(),
                    value,
                    batches,
                },
            ),
            _ => return Err(bad("a malformed score".into())),
        }
    }
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
        tensors,
        Meta {
            step,
            config,
            scores,
        },
    ))
}
