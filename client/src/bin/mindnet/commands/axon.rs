//! `mindnet axon serve`: announce where a hotkey's learner serves.

use crate::cli::AxonCommand;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, Output};
use mindnet_client::client::calls;
use mindnet_client::Result;
use serde_json::json;

/// Runs an axon command.
pub async fn exec(ctx: &Ctx, command: AxonCommand) -> Result<Output> {
    let AxonCommand::Serve {
        netuid,
        signer,
        ip,
        port,
        protocol,
    } = command;
    let netuid = ctx.netuid(netuid)?;
    let hotkey = ctx.hotkey(&signer)?;
    let call = calls::serve_axon(netuid, ip, port, protocol);
    let client = ctx.connect().await?;
    client.ensure_network(netuid).await?;
    client.require_uid(netuid, &hotkey.account_id()).await?;
    ctx.confirm(&format!("announce {ip} port {port} on network {netuid}?"))?;
    let inc = ctx.send(&client, "serve_axon", &call, &hotkey).await?;
    Ok(Output::new(
        format!(
            "hotkey {} serves at {ip}:{port} on network {netuid}{}",
            hotkey.address(),
            fee_text(&inc)
        ),
        json!({ "netuid": netuid, "hotkey": hotkey.address(), "ip": ip.to_string(), "port": port, "included": included_json(&inc) }),
    ))
}
