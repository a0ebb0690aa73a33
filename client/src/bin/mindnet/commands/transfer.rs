//! `mindnet transfer`: send MIND from a wallet's coldkey.

use crate::cli::TransferArgs;
use crate::ctx::Ctx;
use crate::output::{fee_text, included_json, units, Output};
use mindnet_client::amount::{format_mind, parse_mind};
use mindnet_client::client::calls;
use mindnet_client::keys::{address_of, parse_account};
use mindnet_client::{Error, Result};
use serde_json::json;

/// Sends the amount, after checking the sender can pay it and the fee.
pub async fn exec(ctx: &Ctx, a: TransferArgs) -> Result<Output> {
    let amount = parse_mind(&a.amount)?;
    if amount == 0 {
        return Err(Error::usage("the amount is zero: send more than 0 MIND"));
    }
    let to = parse_account(&a.to)?;
    let signer = ctx.coldkey(&a.from)?;
    let client = ctx.connect().await?;
    let call = calls::transfer(to, amount);
    let fee = client.ensure_funds(&call, &signer, amount).await?;
    ctx.confirm(&format!(
        "send {} MIND from {} to {} (fee about {} MIND)?",
        format_mind(amount),
        signer.address(),
        address_of(&to),
        format_mind(fee)
    ))?;
    let inc = ctx.send(&client, "transfer", &call, &signer).await?;
    Ok(Output::new(
        format!(
            "sent {} MIND to {} in block {}{}",
            format_mind(amount),
            address_of(&to),
            inc.block,
            fee_text(&inc)
        ),
        json!({ "from": signer.address(), "to": address_of(&to), "amount": units(amount), "included": included_json(&inc) }),
    ))
}
