//! `mindnet balance`: the free and held balance of a wallet's coldkey or an address.

use crate::cli::BalanceArgs;
use crate::ctx::Ctx;
use crate::output::{units, Output};
use mindnet_client::amount::format_mind;
use mindnet_client::keys::{address_of, parse_account};
use mindnet_client::{Error, Key, Result};
use serde_json::json;

/// Reads the balance.
pub async fn exec(ctx: &Ctx, a: BalanceArgs) -> Result<Output> {
    let who = match (&a.wallet, &a.suri, &a.address) {
        (Some(w), _, _) => ctx.coldkey_address(w)?,
        (None, Some(suri), _) => Key::from_suri(suri)?.account_id(),
        (None, None, Some(address)) => parse_account(address)?,
        (None, None, None) => match ctx.wallet_name(None) {
            Some(w) => ctx.coldkey_address(&w)?,
            None => return Err(Error::usage(
                "give --wallet W, --suri URI or an address (or wallet = in ~/.mindnet/config.toml)",
            )),
        },
    };
    let client = ctx.connect().await?;
    let (free, reserved) = client.balance(&who).await?;
    Ok(Output::new(
        format!(
            "{}\nfree      {} MIND\nreserved  {} MIND",
            address_of(&who),
            format_mind(free),
            format_mind(reserved)
        ),
        json!({ "address": address_of(&who), "free": units(free), "reserved": units(reserved) }),
    ))
}
