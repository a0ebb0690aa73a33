//! `mindnet neurons`: a network's metagraph as a table, sorted by a column.

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

/// Reads and prints the metagraph.
pub async fn exec(ctx: &Ctx, a: NeuronsArgs) -> Result<Output> {
    let client = ctx.connect().await?;
    let mut list = client.neurons(a.netuid).await?;
    sort(&mut list, a.sort);
    let rows: Vec<Vec<String>> = list.iter().map(row).collect();
    let human = format!(
        "network {}: {} neurons\n{}",
        a.netuid,
        list.len(),
        table(&HEADER, &rows)
    );
    let value = serde_json::to_value(&list)
        .map_err(|e| Error::internal(format!("encoding the neurons: {e}")))?;
    Ok(Output::new(human, value))
}

/// Largest first by `column`, except uids (smallest first); ties by uid.
fn sort(list: &mut [Neuron], column: Column) {
    let key = |n: &Neuron| -> f64 {
        match column {
            Column::Uid => -f64::from(n.uid),
            Column::Stake => n.stake as f64,
            Column::Rank => n.rank,
            Column::Trust => n.trust,
            Column::Consensus => n.consensus,
            Column::Incentive => n.incentive,
            Column::Dividends => n.dividends,
            Column::Emission => n.emission as f64,
        }
    };
    list.sort_by(|x, y| key(y).total_cmp(&key(x)).then(x.uid.cmp(&y.uid)));
}

/// A neuron's cells, in [`HEADER`]'s order.
fn row(n: &Neuron) -> Vec<String> {
    vec![
        n.uid.to_string(),
        n.hotkey.clone(),
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
