//! Weight rows as people write them (`3=0.5 7=0.25`) and as the chain takes them: `u16`
//! values scaled so that the largest is 65535 (the chain normalises rows itself).

use crate::error::{Error, Result};
use std::collections::BTreeSet;

/// A row of `(uid, weight)` as written, weights any non-negative finite numbers.
pub type Row = Vec<(u16, f64)>;

/// Parses `uid=weight` entries (separated by spaces, commas or new lines; `#` starts a
/// comment), or a JSON object `{"uid": weight}`.
pub fn parse_row(text: &str) -> Result<Row> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(trimmed)
            .map_err(|e| Error::usage(format!("the weights JSON is malformed: {e}")))?;
        return map
            .iter()
            .map(|(uid, w)| {
                let w = w.as_f64().ok_or_else(|| {
                    Error::usage(format!("the weight of uid {uid} is not a number"))
                })?;
                entry(uid, w)
            })
            .collect();
    }
    text.lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(|line| line.split([' ', '\t', ',']))
        .filter(|t| !t.is_empty())
        .map(parse_entry)
        .collect()
}

/// Parses one `uid=weight`.
pub fn parse_entry(text: &str) -> Result<(u16, f64)> {
    let (uid, w) = text.split_once('=').ok_or_else(|| {
        Error::usage(format!(
            "{text:?} is not a weight entry: write uid=weight, e.g. 3=0.5"
        ))
    })?;
    let w: f64 = w.trim().parse().map_err(|_| {
        Error::usage(format!(
            "the weight in {text:?} is not a number: write uid=weight, e.g. 3=0.5"
        ))
    })?;
    entry(uid, w)
}

fn entry(uid: &str, w: f64) -> Result<(u16, f64)> {
    let uid: u16 = uid.trim().parse().map_err(|_| {
        Error::usage(format!(
            "{uid:?} is not a uid: uids are whole numbers from 0 to 65535"
        ))
    })?;
    if !w.is_finite() || w < 0.0 {
        return Err(Error::usage(format!(
            "the weight of uid {uid} is {w}: weights must be finite and not negative"
        )));
    }
    Ok((uid, w))
}

/// The chain's rules a row is checked against before it is signed.
#[derive(Clone, Copy, Debug)]
pub struct RowRules {
    /// Neurons on the network: every uid must be below it.
    pub neurons: u32,
    /// The most entries a row may have.
    pub max_weights_per_row: u16,
    /// The fewest non-zero entries for uids other than the sender's own.
    pub min_allowed_weights: u16,
    /// The sender's uid (its self-weight does not count toward the minimum).
    pub own_uid: u16,
}

impl RowRules {
    /// The fewest non-zero entries for other uids a row needs, as the chain counts it: a
    /// network with fewer other neurons than `min_allowed_weights` asks for all of them.
    pub fn min_others(&self) -> u16 {
        let others = u16::try_from(self.neurons.saturating_sub(1)).unwrap_or(u16::MAX);
        self.min_allowed_weights.min(others)
    }
}

/// Scales a row to the chain's `u16` values (largest → 65535, rounded to nearest), sorted by
/// uid, after checking it against `rules`.
pub fn to_chain_row(row: &Row, rules: &RowRules) -> Result<(Vec<u16>, Vec<u16>)> {
    if row.is_empty() {
        return Err(Error::usage(
            "no weights given: write uid=weight entries, e.g. 3=0.5 7=0.5",
        ));
    }
    let mut seen = BTreeSet::new();
    for (uid, _) in row {
        if !seen.insert(*uid) {
            return Err(Error::usage(format!(
                "uid {uid} appears twice: give each uid one weight"
            )));
        }
        if u32::from(*uid) >= rules.neurons {
            return Err(Error::usage(format!(
                "uid {uid} does not exist: the network has {} neurons (uids 0 to {})",
                rules.neurons,
                rules.neurons.saturating_sub(1)
            )));
        }
    }
    if row.len() > usize::from(rules.max_weights_per_row) {
        return Err(Error::usage(format!(
            "{} weights given but the network takes at most {} per row (max_weights_per_row)",
            row.len(),
            rules.max_weights_per_row
        )));
    }
    let max = row.iter().map(|(_, w)| *w).fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return Err(Error::usage(
            "every weight is zero: give at least one positive weight",
        ));
    }
    let mut scaled: Vec<(u16, u16)> = row
        .iter()
        .map(|(uid, w)| {
            (
                *uid,
                ((w / max) * 65535.0).round().clamp(0.0, 65535.0) as u16,
            )
        })
        .collect();
    scaled.sort_by_key(|(uid, _)| *uid);
    // As the chain counts it: non-zero entries for other uids.
    let min = rules.min_others();
    let counted = scaled
        .iter()
        .filter(|(uid, v)| *v > 0 && *uid != rules.own_uid)
        .count();
    if counted < usize::from(min) {
        return Err(Error::usage(format!(
            "only {counted} non-zero weights for other neurons but the network requires at least {min} (min_allowed_weights): weight more uids"
        )));
    }
    Ok(scaled.into_iter().unzip())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: RowRules = RowRules {
        neurons: 10,
        max_weights_per_row: 4,
        min_allowed_weights: 2,
        own_uid: 0,
    };

    #[test]
    fn parses_entries_and_json() {
        assert_eq!(
            parse_row("3=0.5 7=0.25,9=0.25").unwrap(),
            vec![(3, 0.5), (7, 0.25), (9, 0.25)]
        );
        assert_eq!(
            parse_row("# mine\n1=2\n2=1 # two\n").unwrap(),
            vec![(1, 2.0), (2, 1.0)]
        );
        assert_eq!(
            parse_row(r#"{"4": 1, "5": 0.5}"#).unwrap(),
            vec![(4, 1.0), (5, 0.5)]
        );
        for bad in ["3", "x=1", "3=abc", "3=-1", "70000=1", "3=inf", "3=NaN"] {
            assert!(parse_row(bad).is_err(), "{bad}");
        }
        assert!(parse_row(r#"{"4": "a"}"#).is_err());
    }

    #[test]
    fn scales_largest_to_u16_max() {
        let (uids, values) = to_chain_row(&vec![(7, 0.25), (3, 0.5), (9, 0.25)], &RULES).unwrap();
        assert_eq!(uids, vec![3, 7, 9]);
        assert_eq!(values, vec![65535, 32768, 32768]);
    }

    #[test]
    fn checks_the_chain_rules() {
        let err = |row: Row| to_chain_row(&row, &RULES).unwrap_err().to_string();
        assert!(err(vec![]).contains("no weights"));
        assert!(err(vec![(1, 1.0), (1, 2.0)]).contains("twice"));
        assert!(err(vec![(1, 1.0), (10, 1.0)]).contains("does not exist"));
        assert!(err(vec![(1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0), (5, 1.0)]).contains("at most 4"));
        assert!(err(vec![(1, 0.0), (2, 0.0)]).contains("zero"));
        // The self-weight (uid 0) does not count toward min_allowed_weights.
        assert!(err(vec![(0, 1.0), (2, 1.0)]).contains("at least 2"));
        // A weight that rounds to zero does not count either.
        assert!(err(vec![(1, 1.0), (2, 1e-9)]).contains("at least 2"));
        assert!(to_chain_row(&vec![(0, 1.0), (1, 1.0), (2, 1.0)], &RULES).is_ok());
        // With fewer other neurons than min_allowed_weights, all of them are enough.
        let small = RowRules {
            neurons: 2,
            ..RULES
        };
        assert!(to_chain_row(&vec![(1, 1.0)], &small).is_ok());
        let alone = RowRules {
            neurons: 1,
            ..RULES
        };
        assert!(to_chain_row(&vec![(0, 1.0)], &alone).is_ok());
    }
}
