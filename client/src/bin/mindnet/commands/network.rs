//! `mindnet network list|params|create|set`: the networks, a network's parameters, and
//! creating one or setting a parameter with the sudo key.

use crate::cli::{Coldkey, NetworkCommand};
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, table, Output};
use mindnet_client::amount::format_mind;
use mindnet_client::client::calls;
use mindnet_client::params::{lookup, parse_parameter};
use mindnet_client::{Client, Result};
use serde_json::{json, Value};

/// Runs a network command.
pub async fn exec(ctx: &Ctx, command: NetworkCommand) -> Result<Output> {
    // Arguments are checked before the node is asked anything.
    if let NetworkCommand::Set { param, value, .. } = &command {
        parse_parameter(param, value)?;
    }
    let client = ctx.connect().await?;
    match command {
        NetworkCommand::List => list(&client).await,
        NetworkCommand::Params { netuid } => params(&client, netuid).await,
        NetworkCommand::Create { netuid, sudo } => create(ctx, &client, netuid, &sudo).await,
        NetworkCommand::Set {
            netuid,
            sudo,
            param,
            value,
        } => set(ctx, &client, netuid, &sudo, param, value).await,
    }
}

/// Creates `netuid` through `Sudo.sudo`, after checking it is free and the signer is the
/// sudo key.
async fn create(ctx: &Ctx, client: &Client, netuid: u16, sudo: &Coldkey) -> Result<Output> {
    let signer = ctx.coldkey(sudo)?;
    if client.networks().await?.contains(&netuid) {
        return Err(mindnet_client::Error::rejected(format!(
            "network {netuid} exists already: see mindnet network list, or pick another --netuid"
        )));
    }
    client.ensure_sudo(&signer).await?;
    ctx.confirm(&format!("create network {netuid}?"))?;
    let inc = ctx
        .send(
            client,
            "create_network",
            &calls::create_network(netuid),
            &signer,
        )
        .await?;
    client.ensure_network(netuid).await?;
    Ok(Output::new(
        format!("network {netuid} created{}", fee_text(&inc)),
        json!({ "netuid": netuid, "included": included_json(&inc) }),
    ))
}

/// The networks, their neuron counts, tempos and epochs.
async fn list(client: &Client) -> Result<Output> {
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for netuid in client.networks().await? {
        let params = client.network_params(netuid).await?;
        let get = |name: &str| lookup(&params, name).cloned().unwrap_or(Value::Null);
        let status = client.epoch_status(netuid).await?;
        rows.push(vec![
            netuid.to_string(),
            get("neurons").to_string(),
            get("max_allowed_uids").to_string(),
            get("tempo").to_string(),
            status.epochs.to_string(),
        ]);
        json_rows.push(json!({
            "netuid": netuid, "neurons": get("neurons"), "max_allowed_uids": get("max_allowed_uids"),
            "tempo": get("tempo"), "epochs": status.epochs, "epoch_running": status.running,
            "last_epoch_block": status.last_epoch_block,
        }));
    }
    Ok(Output::new(
        table(&["netuid", "neurons", "max", "tempo", "epochs"], &rows),
        Value::Array(json_rows),
    ))
}

/// A network's parameters.
async fn params(client: &Client, netuid: u16) -> Result<Output> {
    let params = client.network_params(netuid).await?;
    // People read balances in MIND (as `network set` takes them); JSON keeps base units.
    let rows: Vec<Vec<String>> = params
        .iter()
        .map(|(n, v)| match (n.as_str(), v.as_u64()) {
            ("registration_fee" | "min_stake", Some(units)) => {
                vec![
                    n.clone(),
                    format!("{} MIND", format_mind(u128::from(units))),
                ]
            }
            _ => vec![n.clone(), v.to_string()],
        })
        .collect();
    let map: serde_json::Map<String, Value> = params.into_iter().collect();
    Ok(Output::new(
        format!(
            "network {netuid}\n{}",
            table(&["parameter", "value"], &rows)
        ),
        json!({ "netuid": netuid, "params": map }),
    ))
}

/// Sets a parameter through `Sudo.sudo`, after checking the signer is the sudo key.
async fn set(
    ctx: &Ctx,
    client: &Client,
    netuid: u16,
    sudo: &Coldkey,
    param: String,
    value: String,
) -> Result<Output> {
    let parameter = parse_parameter(&param, &value)?;
    let signer = ctx.coldkey(sudo)?;
    client.ensure_network(netuid).await?;
    client.ensure_sudo(&signer).await?;
    let call = calls::set_parameter(netuid, parameter);
    ctx.confirm(&format!("set {param} of network {netuid} to {value}?"))?;
    let inc = ctx.send(client, "set_parameter", &call, &signer).await?;
    Ok(Output::new(
        format!("network {netuid}: {param} set to {value}{}", fee_text(&inc)),
        json!({ "netuid": netuid, "param": param, "value": value, "included": included_json(&inc) }),
    ))
}
