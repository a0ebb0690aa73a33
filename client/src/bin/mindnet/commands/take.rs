//! `mindnet take show|set`: the share of a hotkey's emission its owner takes before its
//! stakers share the rest (each network caps it at its `max_take`).

use crate::cli::TakeCommand;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, Output};
use mindnet_client::client::calls;
use mindnet_client::keys::address_of;
use mindnet_client::{Error, Result};
use serde_json::json;

/// Runs a take command.
pub async fn exec(ctx: &Ctx, command: TakeCommand) -> Result<Output> {
    match command {
        TakeCommand::Show { hotkey, wallet } => {
            let hotkey = ctx.hotkey_address(wallet.as_deref(), &hotkey)?;
            let client = ctx.connect().await?;
            // Every network it has stake on or a uid on (the cap applies once it earns).
            let mut networks = client.pools_of(&hotkey).await?;
            for netuid in client.networks().await? {
                if !networks.contains(&netuid) && client.uid_of(netuid, &hotkey).await?.is_some() {
                    networks.push(netuid);
                }
            }
            networks.sort_unstable();
            let (take, caps) = client.take_of(&hotkey, &networks).await?;
            let mut human = format!("hotkey {}: take {}", address_of(&hotkey), percent(take));
            for (netuid, cap) in &caps {
                human.push_str(&format!(
                    "\nnetwork {netuid}: max_take {}, so {} applies",
                    percent(*cap),
                    percent(take.min(*cap))
                ));
            }
            Ok(Output::new(
                human,
                json!({
                    "hotkey": address_of(&hotkey), "take": f64::from(take) / 1e9,
                    "networks": caps.iter().map(|(n, c)| json!({
                        "netuid": n, "max_take": f64::from(*c) / 1e9,
                        "applies": f64::from(take.min(*c)) / 1e9,
                    })).collect::<Vec<_>>(),
                }),
            ))
        }
        TakeCommand::Set {
            coldkey,
            hotkey,
            take,
        } => {
            let parts = parse_take(&take)?;
            let hotkey = ctx.hotkey_address(coldkey.wallet.as_deref(), &hotkey)?;
            let signer = ctx.coldkey(&coldkey)?;
            let client = ctx.connect().await?;
            // Checked before signing: only the owner may set it.
            if client.owner_of(&hotkey).await?.as_ref() != Some(&signer.account_id()) {
                return Err(Error::rejected(format!(
                    "{} does not own hotkey {}: the coldkey that registered it sets its take",
                    signer.address(),
                    address_of(&hotkey)
                )));
            }
            ctx.confirm(&format!(
                "set the take of {} to {}?",
                address_of(&hotkey),
                percent(parts)
            ))?;
            let call = calls::set_take(hotkey, parts);
            let inc = ctx.send(&client, "set_take", &call, &signer).await?;
            Ok(Output::new(
                format!(
                    "the take of {} is now {}{}",
                    address_of(&hotkey),
                    percent(parts),
                    fee_text(&inc)
                ),
                json!({
                    "hotkey": address_of(&hotkey), "take": f64::from(parts) / 1e9,
                    "included": included_json(&inc),
                }),
            ))
        }
    }
}

/// `9%`, `9.5 %` or `0.09` as parts per billion.
fn parse_take(text: &str) -> Result<u32> {
    let bad = || {
        Error::usage(format!(
            "--take {text:?} is not a take: write a percentage such as 9% or a fraction such as 0.09, from 0 to 100%"
        ))
    };
    let t = text.trim();
    let fraction = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
        None => t.parse::<f64>().map_err(|_| bad())?,
    };
    if !(0.0..=1.0).contains(&fraction) {
        return Err(bad());
    }
    Ok((fraction * 1e9).round() as u32)
}

/// Parts per billion as a percentage.
fn percent(parts: u32) -> String {
    format!("{}%", f64::from(parts) / 1e7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_parse_as_percentages_or_fractions() {
        assert_eq!(parse_take("9%").unwrap(), 90_000_000);
        assert_eq!(parse_take("9.5 %").unwrap(), 95_000_000);
        assert_eq!(parse_take("0.18").unwrap(), 180_000_000);
        assert_eq!(parse_take("100%").unwrap(), 1_000_000_000);
        for bad in ["101%", "-1%", "1.5", "nine", ""] {
            assert!(
                parse_take(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("is not a take"),
                "{bad}"
            );
        }
        assert_eq!(percent(180_000_000), "18%");
    }
}
