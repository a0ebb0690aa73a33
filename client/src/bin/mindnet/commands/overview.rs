//! `mindnet overview`: what a wallet holds and earns, as btcli's overview shows it: the
//! coldkey's balance, then each of its hotkeys on every network it is registered on (uid,
//! stake, take, incentive, dividends, emission, last update, axon).

use crate::cli::OverviewArgs;
use crate::ctx::Ctx;
use crate::output::{table, units, Output};
use mindnet_client::amount::format_mind;
use mindnet_client::keys::parse_account;
use mindnet_client::{Error, Result};
use serde_json::{json, Value};

const HEADER: [&str; 11] = [
    "netuid",
    "hotkey",
    "uid",
    "stake",
    "take",
    "incentive",
    "dividends",
    "emission",
    "active",
    "last update",
    "axon",
];

/// Reads and prints the overview.
pub async fn exec(ctx: &Ctx, a: OverviewArgs) -> Result<Output> {
    let wallet = ctx.wallet_name(a.wallet.as_deref()).ok_or_else(|| {
        Error::usage("say which wallet: --wallet W (or wallet = \"W\" in ~/.mindnet/config.toml)")
    })?;
    let summary = ctx.wallets.summary(&wallet)?;
    let coldkey = ctx.coldkey_address(&wallet)?;
    let client = ctx.connect().await?;
    let (free, reserved) = client.balance(&coldkey).await?;
    let netuids = client.networks().await?;
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let mut stake_total: u128 = 0;
    let mut emission_total: u128 = 0;
    for hot in &summary.hotkeys {
        let account = parse_account(&hot.address)?;
        let (take, _) = client.take_of(&account, &[]).await?;
        for &netuid in &netuids {
            let Some(uid) = client.uid_of(netuid, &account).await? else {
                continue;
            };
            let Some(n) = client.neuron(netuid, uid).await? else {
                continue;
            };
            stake_total = stake_total.saturating_add(n.stake);
            emission_total = emission_total.saturating_add(u128::from(n.emission));
            cells.push(vec![
                netuid.to_string(),
                hot.name.clone(),
                uid.to_string(),
                format_mind(n.stake),
                format!("{:.2}%", f64::from(take) / 1e7),
                format!("{:.4}", n.incentive),
                format!("{:.4}", n.dividends),
                format_mind(u128::from(n.emission)),
                if n.active { "yes" } else { "no" }.to_string(),
                n.last_update
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
                n.axon.clone().unwrap_or_else(|| "-".into()),
            ]);
            rows.push(json!({
                "netuid": netuid, "hotkey_name": hot.name, "hotkey": n.hotkey, "uid": uid,
                "stake": units(n.stake), "take": f64::from(take) / 1e9,
                "incentive": n.incentive, "dividends": n.dividends,
                "emission": units(u128::from(n.emission)), "active": n.active,
                "last_update": n.last_update, "axon": n.axon,
            }));
        }
    }
    let mut human = format!(
        "wallet {wallet}: coldkey {}\nfree {} MIND, reserved {} MIND\n",
        summary.coldkey.as_deref().unwrap_or("(none)"),
        format_mind(free),
        format_mind(reserved)
    );
    if rows.is_empty() {
        human.push_str(&format!(
            "none of its {} hotkeys is registered on a network (mindnet register)\n",
            summary.hotkeys.len()
        ));
    } else {
        human.push_str(&table(&HEADER, &cells));
        human.push_str(&format!(
            "\n{} registrations: {} MIND staked behind them, {} MIND emitted to them in their last epochs\n",
            rows.len(),
            format_mind(stake_total),
            format_mind(emission_total)
        ));
    }
    Ok(Output::new(
        human,
        json!({
            "wallet": wallet, "coldkey": summary.coldkey,
            "free": units(free), "reserved": units(reserved),
            "neurons": Value::Array(rows),
        }),
    ))
}
