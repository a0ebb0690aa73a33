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
            coldkey,
        } => match (hotkey, coldkey) {
            (Some(h), _) => show_hotkey(ctx, &h).await,
            (None, Some(c)) => show_coldkey(ctx, (parse_account(&c)?, Vec::new())).await,
            (None, None) => {
                show_coldkey(
                    ctx,
                    coldkey_and_hotkey_names(ctx, wallet.as_deref(), suri.as_deref())?,
                )
                .await
            }
        },
    }
}

/// Adds (`adding`) or removes stake, after checking the chain would allow it: the funds,
/// the stake to withdraw, and that the position stays at zero or at least the network's
/// `min_stake` (a transaction the chain would refuse is never signed: no fee is paid).
async fn change(ctx: &Ctx, adding: bool, a: StakeArgs) -> Result<Output> {
    let amount = match (a.amount.as_deref(), a.all) {
        (_, true) if adding => {
            return Err(Error::usage(
                "--all is for `stake remove`: give --amount with `stake add`",
            ))
        }
        (_, true) => None,
        (Some(text), false) => Some(parse_mind(text)?),
        (None, false) => {
            return Err(Error::usage(
                "give --amount (e.g. 1.5), or --all to withdraw the whole position",
            ))
        }
    };
    if amount == Some(0) {
        return Err(Error::usage("the amount is zero: give more than 0 MIND"));
    }
    let netuid = a.netuid.or(ctx.config.netuid).unwrap_or(0);
    let hotkey_name = ctx.hotkey_name(a.hotkey.as_deref()).ok_or_else(|| {
        Error::usage(
            "name the hotkey: --hotkey NAME or ADDRESS (or hotkey = in ~/.mindnet/config.toml)",
        )
    })?;
    let hotkey = ctx.hotkey_address(a.coldkey.wallet.as_deref(), &hotkey_name)?;
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let client = ctx.connect().await?;
    client.ensure_network(netuid).await?;
    let have = client
        .stake_of(netuid, &hotkey, &coldkey.account_id())
        .await?;
    let min = client.min_stake(netuid).await?;
    // Withdrawing burns shares rounded up and values the rest rounded down: what is left
    // can be up to a share's price below the plain difference, so a partial withdrawal
    // keeps that margin above min_stake (never signing what the chain would refuse).
    let margin = if adding {
        0
    } else {
        client.share_price_ceiling(netuid, &hotkey).await?
    };
    let floor = min.saturating_add(margin);
    let below = |left: u128, what: &str| {
        Error::rejected(format!(
            "{what} {} MIND behind {} on network {}, below its min_stake of {} MIND: {}",
            format_mind(left),
            address_of(&hotkey),
            netuid,
            format_mind(min),
            if adding {
                "stake more".to_string()
            } else {
                format!(
                    "withdraw everything with --all, or at most {} MIND",
                    format_mind(have.saturating_sub(floor))
                )
            }
        ))
    };
    let verb = if adding { "stake" } else { "unstake" };
    let shown = match amount {
        Some(x) => format!("{} MIND", format_mind(x)),
        None => format!("all {} MIND", format_mind(have)),
    };
    if adding {
        let amount = amount.unwrap_or_default();
        client.require_uid(netuid, &hotkey).await?;
        let after = have.saturating_add(amount);
        if after < min {
            return Err(below(after, "the position would hold"));
        }
        client
            .ensure_funds(&calls::add_stake(netuid, hotkey, amount), &coldkey, amount)
            .await?;
    } else if let Some(amount) = amount {
        client
            .ensure_stake(netuid, &hotkey, &coldkey.account_id(), amount)
            .await?;
        let left = have.saturating_sub(amount);
        if left > 0 && left < floor {
            return Err(below(left, "this would leave"));
        }
    } else if have == 0 {
        return Err(Error::rejected(format!(
            "{} has nothing staked behind {} on network {}: see mindnet stake show",
            coldkey.address(),
            address_of(&hotkey),
            netuid
        )));
    }
    ctx.confirm(&format!(
        "{verb} {shown} {} hotkey {} on network {}?",
        if adding { "behind" } else { "from behind" },
        address_of(&hotkey),
        netuid
    ))?;
    let free_before = client.balance(&coldkey.account_id()).await?.0;
    let inc = match (adding, amount) {
        (true, Some(x)) => {
            ctx.send(
                &client,
                "add_stake",
                &calls::add_stake(netuid, hotkey, x),
                &coldkey,
            )
            .await?
        }
        (false, Some(x)) => {
            let call = calls::remove_stake(netuid, hotkey, x);
            ctx.send(&client, "remove_stake", &call, &coldkey).await?
        }
        (_, None) => {
            let call = calls::remove_all_stake(netuid, hotkey);
            ctx.send(&client, "remove_all_stake", &call, &coldkey)
                .await?
        }
    };
    let now = client
        .stake_of(netuid, &hotkey, &coldkey.account_id())
        .await?;
    // With --all, what came back: the free balance's change plus the fee paid.
    let moved = match amount {
        Some(x) => x,
        None => client
            .balance(&coldkey.account_id())
            .await?
            .0
            .saturating_sub(free_before)
            .saturating_add(inc.fee.unwrap_or(0)),
    };
    Ok(Output::new(
        format!(
            "{} {} MIND; {} now has {} MIND behind {} on network {}{}",
            if adding { "staked" } else { "unstaked" },
            format_mind(moved),
            coldkey.address(),
            format_mind(now),
            address_of(&hotkey),
            netuid,
            fee_text(&inc)
        ),
        json!({
            "netuid": netuid, "hotkey": address_of(&hotkey), "coldkey": coldkey.address(),
            "amount": units(moved), "stake": units(now), "included": included_json(&inc),
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

/// Every position a coldkey holds (a wallet's, a secret URI's or any address): behind its
/// own hotkeys and delegated to others; `names` names the wallet's hotkeys.
async fn show_coldkey(
    ctx: &Ctx,
    (cold, names): (AccountId32, Vec<(String, String)>),
) -> Result<Output> {
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
    match (ctx.wallet_name(wallet).as_deref().filter(|_| suri.is_none()), suri) {
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
            "give --wallet W, --suri URI, --coldkey ADDRESS or --hotkey ADDRESS (or wallet = in ~/.mindnet/config.toml)",
        )),
    }
}
