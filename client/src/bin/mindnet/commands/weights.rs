//! `mindnet weights set`: set a hotkey's weights, checked against the network's rules and
//! rate limit before signing (on a commit-reveal network: commit, wait, reveal);
//! `mindnet weights reveal`: reveal the commits that are due; `mindnet weights show`: a
//! neuron's weights as stored.

use crate::cli::WeightsCommand;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, Output};
use mindnet_client::client::calls;
use mindnet_client::commits::{CommitStore, RevealOutcome};
use mindnet_client::weights::{parse_row, to_chain_row, Row};
use mindnet_client::{Error, Result};
use serde_json::json;
use std::path::Path;

/// Runs a weights command.
pub async fn exec(ctx: &Ctx, command: WeightsCommand) -> Result<Output> {
    let (netuid, signer, file, entries, no_wait) = match command {
        WeightsCommand::Set {
            netuid,
            signer,
            file,
            entries,
            no_wait,
        } => (ctx.netuid(netuid)?, signer, file, entries, no_wait),
        WeightsCommand::Reveal { netuid, signer } => {
            let netuid = ctx.netuid(netuid)?;
            let hotkey = ctx.hotkey(&signer)?;
            let client = ctx.connect().await?;
            client.require_uid(netuid, &hotkey.account_id()).await?;
            let outcomes = client
                .reveal_due(&commit_store(ctx), &hotkey, netuid)
                .await?;
            return Ok(reveal_output(netuid, &hotkey, &outcomes));
        }
        WeightsCommand::Show {
            netuid,
            uid,
            hotkey,
        } => return show(ctx, ctx.netuid(netuid)?, uid, hotkey.as_deref()).await,
    };
    let row = read_row(file.as_deref(), &entries)?;
    let hotkey = ctx.hotkey(&signer)?;
    let client = ctx.connect().await?;
    let own_uid = client.require_uid(netuid, &hotkey.account_id()).await?;
    let policy = client.weight_policy(netuid, own_uid).await?;
    let (uids, values) = to_chain_row(&row, &policy.rules)?;
    let state = client.commit_reveal_state(netuid).await?;
    if state.enabled {
        let row = (uids, values, policy.version_key);
        return commit_and_reveal(ctx, &client, &hotkey, netuid, own_uid, row, no_wait).await;
    }
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

/// Where the wallet keeps its pending commits.
fn commit_store(ctx: &Ctx) -> CommitStore {
    ctx.wallets.commit_store()
}

/// `weights set` on a commit-reveal network: reveals what is due, commits the row (`uids`,
/// `values` and the network's version key), and (unless `no_wait`) waits for its window
/// and reveals it.
async fn commit_and_reveal(
    ctx: &Ctx,
    client: &mindnet_client::Client,
    hotkey: &mindnet_client::Key,
    netuid: u16,
    own_uid: u16,
    (uids, values, version_key): (Vec<u16>, Vec<u16>, u64),
    no_wait: bool,
) -> Result<Output> {
    let store = commit_store(ctx);
    let earlier = client.reveal_due(&store, hotkey, netuid).await?;
    for outcome in &earlier {
        eprintln!("{}", outcome.describe());
    }
    ctx.confirm(&format!(
        "commit {} weights of uid {own_uid} on network {netuid}{}?",
        uids.len(),
        if no_wait {
            ""
        } else {
            ", and reveal them when due"
        }
    ))?;
    let (commit, inc) = client
        .commit_row(
            &store,
            hotkey,
            netuid,
            uids.clone(),
            values.clone(),
            version_key,
        )
        .await?;
    let state = client.commit_reveal_state(netuid).await?;
    let committed = format!(
        "uid {own_uid} committed {} weights on network {netuid} in block {}{}",
        uids.len(),
        inc.block,
        fee_text(&inc)
    );
    let mut data = json!({
        "netuid": netuid, "uid": own_uid, "hotkey": hotkey.address(),
        "uids": uids, "values": values, "commit": commit.hash,
        "included": included_json(&inc),
    });
    if no_wait {
        let due = state.epoch.saturating_add(u64::from(state.delay));
        return Ok(Output::new(
            format!(
                "{committed}; reveal it once the network has completed {due} epochs (it has {}) with: mindnet weights reveal --netuid {netuid}",
                state.epoch
            ),
            data,
        ));
    }
    eprintln!("{committed}; waiting for its reveal window");
    loop {
        let outcomes = client.reveal_due(&store, hotkey, netuid).await?;
        let mine = outcomes.iter().find(|o| match o {
            RevealOutcome::Revealed { hash, .. }
            | RevealOutcome::Waiting { hash, .. }
            | RevealOutcome::Expired { hash }
            | RevealOutcome::Gone { hash }
            | RevealOutcome::Refused { hash, .. } => *hash == commit.hash,
        });
        match mine {
            Some(RevealOutcome::Revealed { block, .. }) => {
                data["revealed_in"] = json!(block);
                return Ok(Output::new(
                    format!("{committed}; revealed in block {block}"),
                    data,
                ));
            }
            Some(RevealOutcome::Waiting { .. }) | None => {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            }
            Some(other) => return Err(Error::rejected(other.describe())),
        }
    }
}

/// What `weights reveal` did.
fn reveal_output(netuid: u16, hotkey: &mindnet_client::Key, outcomes: &[RevealOutcome]) -> Output {
    let human = if outcomes.is_empty() {
        format!(
            "{} has no pending commits on network {netuid}",
            hotkey.address()
        )
    } else {
        outcomes
            .iter()
            .map(RevealOutcome::describe)
            .collect::<Vec<_>>()
            .join("\n")
    };
    Output::new(
        human,
        json!({"netuid": netuid, "hotkey": hotkey.address(), "commits": outcomes}),
    )
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

/// A neuron's weights as stored, with each entry's share of the row.
async fn show(ctx: &Ctx, netuid: u16, uid: Option<u16>, hotkey: Option<&str>) -> Result<Output> {
    let client = ctx.connect().await?;
    client.ensure_network(netuid).await?;
    let uid = match (uid, hotkey) {
        (Some(u), _) => u,
        (None, Some(h)) => {
            let account = mindnet_client::keys::parse_account(h)?;
            client.require_uid(netuid, &account).await?
        }
        (None, None) => return Err(Error::usage("name the neuron: --uid U or --hotkey ADDRESS")),
    };
    if u32::from(uid) >= client.neuron_count(netuid).await? {
        return Err(Error::usage(format!(
            "network {netuid} has no uid {uid}: see mindnet neurons --netuid {netuid}"
        )));
    }
    let (row, block) = client.weights_of(netuid, uid).await?;
    let total: f64 = row.iter().map(|(_, v)| f64::from(*v)).sum();
    let share = |v: u16| {
        if total > 0.0 {
            f64::from(v) / total
        } else {
            0.0
        }
    };
    let rows: Vec<Vec<String>> = row
        .iter()
        .map(|(j, v)| vec![j.to_string(), v.to_string(), format!("{:.4}", share(*v))])
        .collect();
    let human = if row.is_empty() {
        format!("uid {uid} on network {netuid} has set no weights")
    } else {
        format!(
            "uid {uid} on network {netuid}: {} weights, set in block {}\n{}",
            row.len(),
            block.map_or_else(|| "-".to_string(), |b| b.to_string()),
            crate::output::table(&["uid", "value", "share"], &rows)
        )
    };
    Ok(Output::new(
        human,
        json!({
            "netuid": netuid, "uid": uid, "block": block,
            "weights": row.iter().map(|(j, v)| json!({"uid": j, "value": v, "share": share(*v)})).collect::<Vec<_>>(),
        }),
    ))
}
