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
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let hotkey = match (&a.hotkey_suri, &a.hotkey, &a.coldkey.wallet) {
        (Some(suri), _, _) => Key::from_suri(suri)?,
        (None, Some(h), Some(w)) => ctx.wallet_hotkey(w, h)?,
        _ => {
            return Err(Error::usage(
                "name the hotkey: --wallet W --hotkey H, or --hotkey-suri URI",
            ))
        }
    };
    let client = ctx.connect().await?;
    client.ensure_network(a.netuid).await?;
    client
        .ensure_registrable(a.netuid, &coldkey.account_id(), &hotkey.account_id())
        .await?;
    let call = client
        .register_call(a.netuid, &coldkey.account_id(), &hotkey)
        .await?;
    let params = client.network_params(a.netuid).await?;
    let reg_fee = lookup(&params, "registration_fee")
        .and_then(serde_json::Value::as_u64)
        .map(u128::from)
        .unwrap_or(0);
    let fee = client.ensure_funds(&call, &coldkey, reg_fee).await?;
    ctx.confirm(&format!(
        "register hotkey {} on network {} for {} MIND (burned) plus a fee of about {} MIND?",
        hotkey.address(),
        a.netuid,
        format_mind(reg_fee),
        format_mind(fee)
    ))?;
    let inc = ctx.send(&client, "register", &call, &coldkey).await?;
    let uid = client.uid_of(a.netuid, &hotkey.account_id()).await?;
    Ok(Output::new(
        format!(
            "hotkey {} registered on network {} with uid {}{}",
            hotkey.address(),
            a.netuid,
            uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into()),
            fee_text(&inc)
        ),
        json!({ "netuid": a.netuid, "hotkey": hotkey.address(), "coldkey": coldkey.address(), "uid": uid, "included": included_json(&inc) }),
    ))
}
