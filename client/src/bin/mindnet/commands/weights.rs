//! `mindnet weights set`: set a hotkey's weights, checked against the network's rules and
//! rate limit before signing.

use crate::cli::WeightsCommand;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, Output};
use mindnet_client::client::calls;
use mindnet_client::weights::{parse_row, to_chain_row, Row};
use mindnet_client::{Error, Result};
use serde_json::json;
use std::path::Path;

/// Runs a weights command.
pub async fn exec(ctx: &Ctx, command: WeightsCommand) -> Result<Output> {
    let WeightsCommand::Set {
        netuid,
        signer,
        file,
        entries,
    } = command;
    let row = read_row(file.as_deref(), &entries)?;
    let hotkey = ctx.hotkey(&signer)?;
    let client = ctx.connect().await?;
    let own_uid = client.require_uid(netuid, &hotkey.account_id()).await?;
    let policy = client.weight_policy(netuid, own_uid).await?;
    let (uids, values) = to_chain_row(&row, &policy.rules)?;
    // The rate limit, checked before signing.
    policy.check(netuid, client.best_number().await?)?;
    let call = calls::set_weights(netuid, uids.clone(), values.clone(), policy.version_key);
    ctx.confirm(&format!(
        "set {} weights of uid {own_uid} on network {netuid}?",
        uids.len()
    ))?;
    let inc = ctx.send(&client, "set_weights", &call, &hotkey).await?;
    Ok(Output::new(
        format!(
            "uid {own_uid} set {} weights on network {netuid} in block {}{}",
            uids.len(),
            inc.block,
            fee_text(&inc)
        ),
        json!({
            "netuid": netuid, "uid": own_uid, "hotkey": hotkey.address(),
            "uids": uids, "values": values, "included": included_json(&inc),
        }),
    ))
}

/// The row from `--file`, else from the `uid=weight` arguments.
fn read_row(file: Option<&Path>, entries: &[String]) -> Result<Row> {
    match file {
        Some(f) => parse_row(&std::fs::read_to_string(f).map_err(|e| {
            Error::usage(format!("cannot read the weights file {}: {e}", f.display()))
        })?),
        None => parse_row(&entries.join(" ")),
    }
}
