//! `mindnet stake add|remove|show`: stake MIND behind a hotkey, withdraw it, or show it.

use crate::cli::{StakeArgs, StakeCommand};
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, units, Output};
use mindnet_client::amount::{format_mind, parse_mind};
use mindnet_client::client::calls;
use mindnet_client::keys::{address_of, parse_account};
use mindnet_client::{Error, Key, Result};
use serde_json::{json, Value};
use subxt::utils::AccountId32;

/// Runs a stake command.
pub async fn exec(ctx: &Ctx, command: StakeCommand) -> Result<Output> {
    match command {
        StakeCommand::Add(a) => change(ctx, true, a).await,
        StakeCommand::Remove(a) => change(ctx, false, a).await,
        StakeCommand::Show {
            wallet,
            hotkey,
            suri,
        } => match hotkey {
            Some(h) => show_hotkey(ctx, &h).await,
            None => show_coldkey(ctx, wallet, suri).await,
        },
    }
}

/// Adds (`adding`) or removes stake, after checking the chain would allow it.
async fn change(ctx: &Ctx, adding: bool, a: StakeArgs) -> Result<Output> {
    let amount = parse_mind(&a.amount)?;
    if amount == 0 {
        return Err(Error::usage("the amount is zero: give more than 0 MIND"));
    }
    let hotkey = ctx.hotkey_address(a.coldkey.wallet.as_deref(), &a.hotkey)?;
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let client = ctx.connect().await?;
    client.ensure_network(a.netuid).await?;
    let verb = if adding { "stake" } else { "unstake" };
    let call_add = calls::add_stake(a.netuid, hotkey, amount);
    let call_remove = calls::remove_stake(a.netuid, hotkey, amount);
    if adding {
        client.require_uid(a.netuid, &hotkey).await?;
        client.ensure_funds(&call_add, &coldkey, amount).await?;
    } else {
        client
            .ensure_stake(a.netuid, &hotkey, &coldkey.account_id(), amount)
            .await?;
    }
    ctx.confirm(&format!(
        "{verb} {} MIND {} hotkey {} on network {}?",
        format_mind(amount),
        if adding { "behind" } else { "from behind" },
        address_of(&hotkey),
        a.netuid
    ))?;
    let inc = if adding {
        ctx.send(&client, "add_stake", &call_add, &coldkey).await?
    } else {
        ctx.send(&client, "remove_stake", &call_remove, &coldkey)
            .await?
    };
    let now = client
        .stake_of(a.netuid, &hotkey, &coldkey.account_id())
        .await?;
    Ok(Output::new(
        format!(
            "{} {} MIND; {} now has {} MIND behind {} on network {}{}",
            if adding { "staked" } else { "unstaked" },
            format_mind(amount),
            coldkey.address(),
            format_mind(now),
            address_of(&hotkey),
            a.netuid,
            fee_text(&inc)
        ),
        json!({
            "netuid": a.netuid, "hotkey": address_of(&hotkey), "coldkey": coldkey.address(),
            "amount": units(amount), "stake": units(now), "included": included_json(&inc),
        }),
    ))
}

/// All stake behind a hotkey address, network by network.
async fn show_hotkey(ctx: &Ctx, hotkey: &str) -> Result<Output> {
    let hot = parse_account(hotkey)?;
    let client = ctx.connect().await?;
    let mut rows = Vec::new();
    let mut human = format!("stake behind hotkey {}\n", address_of(&hot));
    for netuid in client.pools_of(&hot).await? {
        let total = client.hotkey_stake(netuid, &hot).await?;
        let uid = client.uid_of(netuid, &hot).await?;
        human.push_str(&format!(
            "network {netuid} uid {}: {} MIND\n",
            uid.map(|u| u.to_string()).unwrap_or_else(|| "-".into()),
            format_mind(total)
        ));
        rows.push(json!({ "netuid": netuid, "uid": uid, "hotkey": address_of(&hot), "stake": units(total) }));
    }
    Ok(Output::new(human, Value::Array(rows)))
}

/// Every position a coldkey (a wallet's or a secret URI's) holds: behind its own hotkeys
/// and delegated to others.
async fn show_coldkey(ctx: &Ctx, wallet: Option<String>, suri: Option<String>) -> Result<Output> {
    let (cold, names) = coldkey_and_hotkey_names(ctx, wallet.as_deref(), suri.as_deref())?;
    let client = ctx.connect().await?;
    let mut rows = Vec::new();
    let mut human = format!("stake of coldkey {}\n", address_of(&cold));
    for (netuid, hot) in client.positions_of(&cold).await? {
        let mine = client.stake_of(netuid, &hot, &cold).await?;
        let total = client.hotkey_stake(netuid, &hot).await?;
        let address = address_of(&hot);
        let name = names
            .iter()
            .find(|(a, _)| *a == address)
            .map(|(_, n)| n.clone());
        human.push_str(&format!(
            "network {netuid} hotkey {}: {} MIND of {} MIND\n",
            name.clone().unwrap_or_else(|| address.clone()),
            format_mind(mine),
            format_mind(total)
        ));
        rows.push(json!({
            "netuid": netuid, "hotkey": address, "hotkey_name": name,
            "stake": units(mine), "hotkey_stake": units(total),
        }));
    }
    Ok(Output::new(human, Value::Array(rows)))
}

/// The coldkey to show, and the wallet's hotkeys as `(address, name)` to name them by.
fn coldkey_and_hotkey_names(
    ctx: &Ctx,
    wallet: Option<&str>,
    suri: Option<&str>,
) -> Result<(AccountId32, Vec<(String, String)>)> {
    match (wallet, suri) {
        (Some(w), _) => {
            let names: Vec<(String, String)> = ctx
                .wallets
                .summary(w)?
                .hotkeys
                .into_iter()
                .map(|h| (h.address, h.name))
                .collect();
            Ok((ctx.coldkey_address(w)?, names))
        }
        (None, Some(suri)) => Ok((Key::from_suri(suri)?.account_id(), Vec::new())),
        (None, None) => Err(Error::usage(
            "give --wallet W, --suri URI or --hotkey ADDRESS",
        )),
    }
}
