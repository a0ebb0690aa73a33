//! Network parameters: one table of their names, the storage items that hold them and how a
//! value in words becomes `Mindnet.set_parameter`'s argument; and their values as JSON.

use crate::error::{Error, Result};
use crate::runtime::runtime_types::pallet_mindnet::network::{NetworkParameter, RankingMode};
use crate::runtime::runtime_types::sp_arithmetic::per_things::Perbill;

type P = NetworkParameter<u128>;

/// Makes the error for a value a parameter does not take, from what to give instead.
type Bad<'a> = &'a dyn Fn(&str) -> Error;

/// A network parameter.
pub struct Parameter {
    /// Its name, as `network params` lists it and `network set` takes it.
    pub name: &'static str,
    /// The `Mindnet` storage item (a map by netuid) that holds it.
    pub storage: &'static str,
    /// Parses a value in words into `set_parameter`'s argument.
    parse: fn(&str, Bad<'_>) -> Result<P>,
}

/// Network parameters, in the order `network params` lists them.
pub const PARAMETERS: [Parameter; 28] = [
    Parameter {
        name: "tempo",
        storage: "Tempo",
        parse: |v, bad| int(v, bad, "a block count (1 to 65535)").map(P::Tempo),
    },
    Parameter {
        name: "rho",
        storage: "Rho",
        parse: |v, bad| int(v, bad, "a whole number").map(P::Rho),
    },
    Parameter {
        name: "kappa",
        storage: "Kappa",
        parse: |v, bad| fraction(v, bad).map(P::Kappa),
    },
    Parameter {
        name: "bonds_moving_average",
        storage: "BondsMovingAverage",
        parse: |v, bad| fraction(v, bad).map(P::BondsMovingAverage),
    },
    Parameter {
        name: "dividend_share",
        storage: "DividendShare",
        parse: |v, bad| fraction(v, bad).map(P::DividendShare),
    },
    Parameter {
        name: "activity_cutoff",
        storage: "ActivityCutoff",
        parse: |v, bad| int(v, bad, "a block count").map(P::ActivityCutoff),
    },
    Parameter {
        name: "mask_self_weight",
        storage: "MaskSelfWeight",
        parse: |v, bad| boolean(v, bad).map(P::MaskSelfWeight),
    },
    Parameter {
        name: "block_emission",
        storage: "BlockEmission",
        parse: |v, bad| int(v, bad, "base units per block").map(P::BlockEmission),
    },
    Parameter {
        name: "loss_margin",
        storage: "LossMargin",
        parse: |v, bad| fraction(v, bad).map(P::LossMargin),
    },
    Parameter {
        name: "min_allowed_weights",
        storage: "MinAllowedWeights",
        parse: |v, bad| int(v, bad, "a whole number").map(P::MinAllowedWeights),
    },
    Parameter {
        name: "max_weights_per_row",
        storage: "MaxWeightsPerRow",
        parse: |v, bad| int(v, bad, "a whole number").map(P::MaxWeightsPerRow),
    },
    Parameter {
        name: "max_allowed_uids",
        storage: "MaxAllowedUids",
        parse: |v, bad| int(v, bad, "a whole number").map(P::MaxAllowedUids),
    },
    Parameter {
        name: "immunity_period",
        storage: "ImmunityPeriod",
        parse: |v, bad| int(v, bad, "a block count").map(P::ImmunityPeriod),
    },
    Parameter {
        name: "weights_version_key",
        storage: "WeightsVersionKey",
        parse: |v, bad| int(v, bad, "a whole number").map(P::WeightsVersionKey),
    },
    Parameter {
        name: "weights_set_rate_limit",
        storage: "WeightsSetRateLimit",
        parse: |v, bad| int(v, bad, "a block count").map(P::WeightsSetRateLimit),
    },
    Parameter {
        name: "registration_fee",
        storage: "RegistrationFee",
        parse: |v, _| crate::amount::parse_mind(v).map(P::RegistrationFee),
    },
    Parameter {
        name: "adaptive_emission",
        storage: "AdaptiveEmission",
        parse: |v, bad| boolean(v, bad).map(P::AdaptiveEmission),
    },
    Parameter {
        name: "sparsity_target",
        storage: "SparsityTarget",
        parse: |v, bad| fraction(v, bad).map(P::SparsityTarget),
    },
    Parameter {
        name: "emission_adjustment",
        storage: "EmissionAdjustment",
        parse: |v, bad| fraction(v, bad).map(P::EmissionAdjustment),
    },
    Parameter {
        name: "min_block_emission",
        storage: "MinBlockEmission",
        parse: |v, bad| int(v, bad, "base units per block").map(P::MinBlockEmission),
    },
    Parameter {
        name: "max_block_emission",
        storage: "MaxBlockEmission",
        parse: |v, bad| int(v, bad, "base units per block").map(P::MaxBlockEmission),
    },
    Parameter {
        name: "min_stake",
        storage: "MinStake",
        parse: |v, _| crate::amount::parse_mind(v).map(P::MinStake),
    },
    Parameter {
        name: "max_take",
        storage: "MaxTake",
        parse: |v, bad| fraction(v, bad).map(P::MaxTake),
    },
    Parameter {
        name: "max_weight_change",
        storage: "MaxWeightChange",
        parse: |v, bad| int(v, bad, "parts per billion").map(P::MaxWeightChange),
    },
    Parameter {
        name: "ranking",
        storage: "NetworkRanking",
        parse: |v, bad| match v.trim() {
            "direct" => Ok(P::Ranking(RankingMode::Direct)),
            "transitive" => Ok(P::Ranking(RankingMode::Transitive)),
            _ => Err(bad("direct or transitive")),
        },
    },
    Parameter {
        name: "transitive_iterations",
        storage: "TransitiveIterations",
        parse: |v, bad| int(v, bad, "a number of passes (1 to 32)").map(P::TransitiveIterations),
    },
    Parameter {
        name: "commit_reveal",
        storage: "CommitReveal",
        parse: |v, bad| boolean(v, bad).map(P::CommitReveal),
    },
    Parameter {
        name: "reveal_delay",
        storage: "RevealDelay",
        parse: |v, bad| int(v, bad, "a number of epochs (1 to 16)").map(P::RevealDelay),
    },
];

/// A whole number (`_` allowed between digits).
fn int<N: std::str::FromStr>(v: &str, bad: Bad<'_>, what: &str) -> Result<N> {
    v.trim().replace('_', "").parse().map_err(|_| bad(what))
}

/// A fraction in [0, 1], written `0.5` or `50%`.
fn fraction(v: &str, bad: Bad<'_>) -> Result<Perbill> {
    let v = v.trim();
    let x: f64 = match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => v.parse::<f64>(),
    }
    .map_err(|_| bad("a fraction such as 0.5 or 50%"))?;
    if !(0.0..=1.0).contains(&x) {
        return Err(bad("a fraction between 0 and 1"));
    }
    Ok(Perbill((x * 1e9).round() as u32))
}

/// `true`/`yes`/`1` or `false`/`no`/`0`.
fn boolean(v: &str, bad: Bad<'_>) -> Result<bool> {
    match v.trim() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(bad("true or false")),
    }
}

/// Parses `Mindnet.set_parameter`'s argument from a parameter's name (as `network params`
/// lists it) and a value in words: integers, `true`/`false`, fractions (`0.5` or `50%`),
/// MIND amounts for the registration fee and the minimum stake.
pub fn parse_parameter(name: &str, value: &str) -> Result<NetworkParameter<u128>> {
    let Some(parameter) = PARAMETERS.iter().find(|p| p.name == name) else {
        return Err(Error::usage(format!(
            "{name:?} is not a network parameter: one of {}",
            PARAMETERS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let bad = |what: &str| {
        Error::usage(format!(
            "{value:?} is not a valid value for {name}: give {what}"
        ))
    };
    (parameter.parse)(value, &bad)
}

/// A parameter's stored value as JSON: a number or a boolean, a fraction (`Perbill`) as a
/// number in [0, 1], a number past `u64` as a string, a choice (`RankingMode`) as its name
/// in lower case.
pub(crate) fn value_json(v: &subxt::ext::scale_value::Value<()>) -> serde_json::Value {
    use subxt::ext::scale_value::{Composite, Primitive, ValueDef};
    match &v.value {
        ValueDef::Primitive(Primitive::Bool(b)) => serde_json::Value::Bool(*b),
        ValueDef::Primitive(Primitive::U128(n)) => serde_json::Value::from(*n as f64)
            .as_f64()
            .filter(|_| *n <= u128::from(u64::MAX))
            .map(|_| serde_json::Value::from(*n as u64))
            .unwrap_or_else(|| serde_json::Value::String(n.to_string())),
        // Perbill(parts): a fraction.
        ValueDef::Composite(Composite::Unnamed(fields)) if fields.len() == 1 => {
            match &fields[0].value {
                ValueDef::Primitive(Primitive::U128(parts)) => {
                    serde_json::Value::from(*parts as f64 / 1e9)
                }
                _ => serde_json::Value::String(v.to_string()),
            }
        }
        ValueDef::Variant(variant) if variant.values.is_empty() => {
            serde_json::Value::String(variant.name.to_lowercase())
        }
        _ => serde_json::Value::String(v.to_string()),
    }
}

/// The value of parameter `name` in a list [`crate::Client::network_params`] returned.
pub fn lookup<'a>(
    params: &'a [(String, serde_json::Value)],
    name: &str,
) -> Option<&'a serde_json::Value> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_parses_and_bad_values_say_what_to_give() {
        for p in &PARAMETERS {
            let value = if p.name == "ranking" {
                "transitive"
            } else {
                "1"
            };
            assert!(parse_parameter(p.name, value).is_ok(), "{}", p.name);
        }
        assert!(matches!(
            parse_parameter("ranking", "direct").unwrap(),
            P::Ranking(RankingMode::Direct)
        ));
        assert_eq!(
            parse_parameter("ranking", "eigen").unwrap_err().message,
            "\"eigen\" is not a valid value for ranking: give direct or transitive"
        );
        assert!(matches!(
            parse_parameter("kappa", "50%").unwrap(),
            P::Kappa(Perbill(500_000_000))
        ));
        assert!(matches!(
            parse_parameter("registration_fee", "1.5").unwrap(),
            P::RegistrationFee(1_500_000_000)
        ));
        let message = |name: &str, value: &str| parse_parameter(name, value).unwrap_err().message;
        assert_eq!(
            message("tempo", "x"),
            "\"x\" is not a valid value for tempo: give a block count (1 to 65535)"
        );
        assert_eq!(
            message("kappa", "2"),
            "\"2\" is not a valid value for kappa: give a fraction between 0 and 1"
        );
        assert!(message("nope", "1")
            .starts_with("\"nope\" is not a network parameter: one of tempo, rho, kappa,"));
    }
}
