//! `mindnet neurons`: a network's metagraph as a table, sorted by a column, filtered and
//! paged. The metagraph is read in pages of 1,024 uids (`MindnetApi.neurons_page`); sorted
//! by uid and unfiltered, only the pages the asked window covers are read. The table
//! shortens keys (`5Grwva…GKutQY`); `--json` gives them whole.

use crate::cli::{Column, NeuronsArgs};
use crate::ctx::Ctx;
use crate::output::{table, Output};
use mindnet_client::amount::format_mind;
use mindnet_client::{Error, Neuron, Result};

/// The table's columns.
const HEADER: [&str; 11] = [
    "uid",
    "hotkey",
    "stake",
    "rank",
    "trust",
    "consensus",
    "incentive",
    "dividends",
    "emission",
    "active",
    "axon",
];

/// Which neurons `--filter` keeps (the dashboard's filter box too).
#[derive(Debug, PartialEq)]
pub(crate) enum Filter {
    Active(bool),
    Hotkey(String),
    Coldkey(String),
}

impl Filter {
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::usage(format!(
                "--filter {text:?} is not a filter: write active, inactive, hotkey=ADDRESS or coldkey=ADDRESS"
            ))
        };
        // Any SS58 prefix (or 0x hex) is accepted, compared as this chain writes it.
        let address = |a: &str| -> Result<String> {
            let key = mindnet_client::keys::ss58_decode(a).map_err(|_| {
                Error::usage(format!(
                    "--filter {text:?}: {a:?} is not an SS58 address; copy it from `mindnet neurons --json` or `mindnet wallet list`"
                ))
            })?;
            Ok(mindnet_client::keys::ss58_encode(
                &key,
                mindnet_client::keys::SS58_PREFIX,
            ))
        };
        match text.split_once('=') {
            None if text == "active" => Ok(Filter::Active(true)),
            None if text == "inactive" => Ok(Filter::Active(false)),
            Some(("hotkey", a)) => Ok(Filter::Hotkey(address(a)?)),
            Some(("coldkey", a)) => Ok(Filter::Coldkey(address(a)?)),
            _ => Err(bad()),
        }
    }

    pub(crate) fn keeps(&self, n: &Neuron) -> bool {
        match self {
            Filter::Active(a) => n.active == *a,
            Filter::Hotkey(h) => n.hotkey == *h,
            Filter::Coldkey(c) => n.coldkey == *c,
        }
    }
}

/// Reads and prints the metagraph.
pub async fn exec(ctx: &Ctx, a: NeuronsArgs) -> Result<Output> {
    let filter = a.filter.as_deref().map(Filter::parse).transpose()?;
    if a.limit == Some(0) {
        return Err(Error::usage(
            "--limit 0 shows nothing: give a positive number, or leave it out for every neuron",
        ));
    }
    let netuid = ctx.netuid(a.netuid)?;
    let client = ctx.connect().await?;
    let (total, list) = match (a.sort, &filter, a.limit) {
        // By uid, unfiltered, with a limit: only the pages the window covers.
        (Column::Uid, None, Some(limit)) => window(&client, netuid, a.offset, limit).await?,
        _ => {
            let mut all = client.neurons(netuid).await?;
            if let Some(f) = &filter {
                all.retain(|n| f.keeps(n));
            }
            sort(&mut all, a.sort);
            let total = all.len();
            let shown = all
                .into_iter()
                .skip(a.offset)
                .take(a.limit.unwrap_or(usize::MAX))
                .collect();
            (total, shown)
        }
    };
    let rows: Vec<Vec<String>> = list.iter().map(row).collect();
    let what = if filter.is_some() {
        "matching"
    } else {
        "in all"
    };
    let human = if list.len() == total {
        format!(
            "network {}: {} neurons\n{}",
            netuid,
            total,
            table(&HEADER, &rows)
        )
    } else {
        format!(
            "network {}: {} of {total} neurons {what} (from #{}; --offset and --limit page on)\n{}",
            netuid,
            list.len(),
            a.offset + 1,
            table(&HEADER, &rows)
        )
    };
    let value = serde_json::to_value(&list)
        .map_err(|e| Error::internal(format!("encoding the neurons: {e}")))?;
    Ok(Output::new(human, value))
}

/// The neurons `offset..offset + limit` in uid order, reading only the pages they fall in
/// (at one block), and how many uids the network holds.
async fn window(
    client: &mindnet_client::Client,
    netuid: u16,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<Neuron>)> {
    let total = client.neuron_count(netuid).await? as usize;
    Ok((total, client.neurons_range(netuid, offset, limit).await?))
}

/// `5Grwva…GKutQY`: an address short enough for a table.
fn short(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 14 {
        return address.to_string();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

/// A neuron's value in `column`, to sort by.
pub(crate) fn value(n: &Neuron, column: Column) -> f64 {
    match column {
        Column::Uid => f64::from(n.uid),
        Column::Stake => n.stake as f64,
        Column::Rank => n.rank,
        Column::Trust => n.trust,
        Column::Consensus => n.consensus,
        Column::Incentive => n.incentive,
        Column::Dividends => n.dividends,
        Column::Emission => n.emission as f64,
    }
}

/// Largest first by `column`, except uids (smallest first); ties by uid.
fn sort(list: &mut [Neuron], column: Column) {
    let key = |n: &Neuron| -> f64 {
        match column {
            Column::Uid => -value(n, column),
            _ => value(n, column),
        }
    };
    list.sort_by(|x, y| key(y).total_cmp(&key(x)).then(x.uid.cmp(&y.uid)));
}

/// A neuron's cells, in [`HEADER`]'s order.
fn row(n: &Neuron) -> Vec<String> {
    vec![
        n.uid.to_string(),
        short(&n.hotkey),
        format_mind(n.stake),
        format!("{:.4}", n.rank),
        format!("{:.4}", n.trust),
        format!("{:.4}", n.consensus),
        format!("{:.4}", n.incentive),
        format!("{:.4}", n.dividends),
        format_mind(u128::from(n.emission)),
        if n.active { "yes" } else { "no" }.to_string(),
        n.axon.clone().unwrap_or_else(|| "-".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_say_what_is_wrong() {
        assert_eq!(Filter::parse("active").unwrap(), Filter::Active(true));
        assert_eq!(Filter::parse("inactive").unwrap(), Filter::Active(false));
        let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let canonical = mindnet_client::keys::ss58_encode(
            &mindnet_client::keys::ss58_decode(alice).unwrap(),
            mindnet_client::keys::SS58_PREFIX,
        );
        assert_eq!(
            Filter::parse(&format!("hotkey={alice}")).unwrap(),
            Filter::Hotkey(canonical)
        );
        assert!(Filter::parse("stake>5")
            .unwrap_err()
            .to_string()
            .contains("active, inactive"));
        assert!(Filter::parse("coldkey=nope")
            .unwrap_err()
            .to_string()
            .contains("not an SS58 address"));
        assert_eq!(short(alice), "5Grwva…GKutQY");
        assert_eq!(short("abc"), "abc");
    }
}
