//! `mindnet register`: register a hotkey on a network; the coldkey pays the fee and will
//! own it, the hotkey signs its consent.

use crate::cli::RegisterArgs;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, Output};
use mindnet_client::amount::format_mind;
use mindnet_client::params::lookup;
use mindnet_client::{Error, Key, Result};
use serde_json::json;

/// Registers the hotkey, after checking it is free (or already the coldkey's) and the
/// coldkey can pay.
pub async fn exec(ctx: &Ctx, a: RegisterArgs) -> Result<Output> {
    let netuid = ctx.netuid(a.netuid)?;
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let wallet = ctx.wallet_name(a.coldkey.wallet.as_deref());
    let hotkey = match (&a.hotkey_suri, ctx.hotkey_name(a.hotkey.as_deref()), wallet) {
        (Some(suri), _, _) => Key::from_suri(suri)?,
        (None, Some(h), Some(w)) if a.coldkey.suri.is_none() => ctx.wallet_hotkey(&w, &h)?,
        _ => {
            return Err(Error::usage(
                "name the hotkey: --wallet W --hotkey H, or --hotkey-suri URI (or wallet and hotkey in ~/.mindnet/config.toml)",
            ))
        }
    };
    let client = ctx.connect().await?;
    client.ensure_network(netuid).await?;
    client
        .ensure_registrable(netuid, &coldkey.account_id(), &hotkey.account_id())
        .await?;
    let call = client
        .register_call(netuid, &coldkey.account_id(), &hotkey)
        .await?;
    let params = client.network_params(netuid).await?;
    let reg_fee = lookup(&params, "registration_fee")
        .and_then(serde_json::Value::as_u64)
        .map(u128::from)
        .unwrap_or(0);
    let fee = client.ensure_funds(&call, &coldkey, reg_fee).await?;
    ctx.confirm(&format!(
        "register hotkey {} on network {} for {} MIND (burned) plus a fee of about {} MIND?",
        hotkey.address(),
        netuid,
        format_mind(reg_fee),
        format_mind(fee)
    ))?;
    let inc = ctx.send(&client, "register", &call, &coldkey).await?;
    let uid = client.uid_of(netuid, &hotkey.account_id()).await?;
    Ok(Output::new(
        format!(
            "hotkey {} registered on network {} with uid {}{}",
            hotkey.address(),
            netuid,
            uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into()),
            fee_text(&inc)
        ),
        json!({ "netuid": netuid, "hotkey": hotkey.address(), "coldkey": coldkey.address(), "uid": uid, "included": included_json(&inc) }),
    ))
}
