//! `mindnet dashboard`: a local web page of the chain's live state.
//!
//! The page (`dashboard/index.html`, `app.js`, `style.css`, built into the binary, no CDN
//! and no front-end dependency: a table, a canvas and a few SVG charts need none) polls
//! the JSON API below, which this server answers by reading the node through
//! [`mindnet_client::Client`]; `dashboard/API.md` is its contract.
//!
//! The server only reads. What a request costs the node is bounded whoever sends it: the
//! metagraph of a network is read at most once every [`METAGRAPH_TTL`] (requests meanwhile
//! share that read, and page, sort and filter it here), the heatmap reads at most
//! [`MAX_MATRIX`] weight rows, and the history [`HISTORY_SAMPLES`] × [`HISTORY_SERIES`]
//! neurons at past blocks, each remembered once read. It binds to loopback unless told
//! otherwise.

use super::neurons::{value, Filter};
use crate::cli::{Column, DashboardArgs};
use crate::ctx::Ctx;
use crate::output::Output;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::ValueEnum;
use mindnet_client::amount::UNIT;
use mindnet_client::{Client, Error, Neuron, Result};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a network's metagraph, once read, answers requests.
const METAGRAPH_TTL: Duration = Duration::from_secs(4);
/// Most neurons the heatmap and trust graph show.
const MAX_MATRIX: usize = 128;
/// Most rows one metagraph page returns.
const MAX_PAGE: usize = 1000;
/// Epoch boundaries the history goes back.
const HISTORY_SAMPLES: usize = 8;
/// Hotkeys the history follows.
const HISTORY_SERIES: usize = 8;
/// Validation-loss points kept from a learner's `/metrics`.
const MAX_LEARNER_POINTS: usize = 2000;

const INDEX: &str = include_str!("../dashboard/index.html");
const APP: &str = include_str!("../dashboard/app.js");
const STYLE: &str = include_str!("../dashboard/style.css");

/// A network's metagraph and when it was read.
type Cached = (Instant, Arc<Vec<Neuron>>);

/// What the handlers share.
struct Dash {
    client: Client,
    url: String,
    /// Each network's metagraph and when it was read.
    metagraphs: Mutex<HashMap<u16, Cached>>,
    /// Past reads, which never change: the epoch boundary before a block
    /// (`(netuid, block)`), and a neuron at a block (`(netuid, block, uid)`).
    boundaries: Mutex<HashMap<(u16, u64), Option<u64>>>,
    past: Mutex<HashMap<(u16, u64, u16), Option<Neuron>>>,
    learner: Learner,
}

/// Where the learner's loss curves come from.
struct Learner {
    metrics: Option<String>,
    summary: Option<PathBuf>,
    alone: Option<PathBuf>,
    /// `(step, validation loss)` seen at `metrics`.
    seen: std::sync::Mutex<Vec<(u64, f64)>>,
}

/// A JSON error answer.
struct ApiError(StatusCode, String);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match e.exit_code() {
            2 | 4 => StatusCode::BAD_REQUEST,
            3 => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

type ApiResult = std::result::Result<Json<Value>, ApiError>;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

/// MIND as a JSON number (display only: the page never sends amounts back).
fn mind(units: u128) -> f64 {
    units as f64 / UNIT as f64
}

/// Serves the dashboard until Ctrl-C.
pub async fn exec(ctx: &Ctx, a: DashboardArgs) -> Result<Output> {
    for file in [&a.learner_summary, &a.alone_summary].into_iter().flatten() {
        if !file.is_file() {
            return Err(Error::usage(format!(
                "{} is not a file: give the summary JSON a learner wrote with --summary",
                file.display()
            )));
        }
    }
    if let Some(m) = &a.learner_metrics {
        if !m.starts_with("http://") {
            return Err(Error::usage(format!(
                "--learner-metrics {m:?} is not an http:// URL: give the learner's metrics address, e.g. http://127.0.0.1:8091/metrics"
            )));
        }
    }
    let client = ctx.connect().await?;
    let listener = tokio::net::TcpListener::bind((a.bind, a.port))
        .await
        .map_err(|e| {
            Error::usage(format!(
                "cannot listen on {}:{} ({e}): pick another --port",
                a.bind, a.port
            ))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::internal(format!("the dashboard's address: {e}")))?;
    let dash = Arc::new(Dash {
        client,
        url: ctx.url().to_string(),
        metagraphs: Mutex::default(),
        boundaries: Mutex::default(),
        past: Mutex::default(),
        learner: Learner {
            metrics: a.learner_metrics,
            summary: a.learner_summary,
            alone: a.alone_summary,
            seen: Default::default(),
        },
    });
    if dash.learner.metrics.is_some() {
        tokio::spawn(poll_learner(dash.clone()));
    }
    eprintln!(
        "dashboard of {} at http://{local}/ (Ctrl-C stops it)",
        dash.url
    );
    axum::serve(listener, router(dash))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::internal(format!("the dashboard's server: {e}")))?;
    Ok(Output::new(
        "dashboard stopped",
        json!({ "stopped": true, "address": local.to_string() }),
    ))
}

fn router(dash: Arc<Dash>) -> Router {
    let file = |body: &'static str, kind: &'static str| {
        get(move || async move {
            (
                [
                    (header::CONTENT_TYPE, kind),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                body,
            )
        })
    };
    Router::new()
        .route("/", file(INDEX, "text/html; charset=utf-8"))
        .route("/app.js", file(APP, "text/javascript; charset=utf-8"))
        .route("/style.css", file(STYLE, "text/css; charset=utf-8"))
        .route("/api/chain", get(chain))
        .route("/api/networks", get(networks))
        .route("/api/neurons", get(neurons))
        .route("/api/weights", get(weights))
        .route("/api/epoch", get(epoch))
        .route("/api/history", get(history))
        .route("/api/learner", get(learner))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                "no such page: the dashboard is at /, its data under /api/".into(),
            )
        })
        .with_state(dash)
}

async fn chain(State(d): State<Arc<Dash>>) -> ApiResult {
    Ok(Json(json!({
        "url": d.url,
        "best": d.client.best_number().await?,
        "finalized": d.client.finalized_number().await?,
        "genesis": format!("0x{}", hex::encode(d.client.genesis_hash())),
        "token": "MIND",
    })))
}

async fn networks(State(d): State<Arc<Dash>>) -> ApiResult {
    let mut out = Vec::new();
    for netuid in d.client.networks().await? {
        let params: serde_json::Map<String, Value> =
            d.client.network_params(netuid).await?.into_iter().collect();
        out.push(json!({
            "netuid": netuid,
            "neurons": params.get("neurons").cloned().unwrap_or(Value::Null),
            "tempo": params.get("tempo").cloned().unwrap_or(Value::Null),
            "params": params,
        }));
    }
    Ok(Json(json!({ "networks": out })))
}

/// The query every per-network endpoint takes.
#[derive(Deserialize)]
struct NetQuery {
    netuid: Option<u16>,
    sort: Option<String>,
    desc: Option<String>,
    filter: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

impl NetQuery {
    fn netuid(&self) -> std::result::Result<u16, ApiError> {
        self.netuid
            .ok_or_else(|| bad("say which network: ?netuid=N"))
    }
}

impl Dash {
    /// `netuid`'s metagraph, read again when older than [`METAGRAPH_TTL`].
    async fn metagraph(&self, netuid: u16) -> Result<Arc<Vec<Neuron>>> {
        let mut cache = self.metagraphs.lock().await;
        if let Some((at, list)) = cache.get(&netuid) {
            if at.elapsed() < METAGRAPH_TTL {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.client.neurons(netuid).await?);
        cache.insert(netuid, (Instant::now(), list.clone()));
        Ok(list)
    }
}

/// `sort=NAME`'s column (the names `mindnet neurons --sort` takes).
fn column(name: &str) -> Option<Column> {
    Column::from_str(name, false).ok()
}

/// Whether `filter` keeps `n`: `active`, `inactive`, `hotkey=A` and `coldkey=A` as
/// `mindnet neurons --filter` reads them (any SS58 prefix), any other text as part of
/// either key.
fn keeps(filter: &str, n: &Neuron) -> bool {
    match Filter::parse(filter) {
        Ok(f) => f.keeps(n),
        Err(_) => n.hotkey.contains(filter) || n.coldkey.contains(filter),
    }
}

fn neuron_json(n: &Neuron) -> Value {
    json!({
        "uid": n.uid,
        "hotkey": n.hotkey,
        "coldkey": n.coldkey,
        "active": n.active,
        "stake": mind(n.stake),
        "rank": n.rank,
        "trust": n.trust,
        "consensus": n.consensus,
        "incentive": n.incentive,
        "dividends": n.dividends,
        "emission": mind(u128::from(n.emission)),
        "last_update": n.last_update,
        "axon": n.axon,
    })
}

async fn neurons(State(d): State<Arc<Dash>>, Query(q): Query<NetQuery>) -> ApiResult {
    let netuid = q.netuid()?;
    let sort = q.sort.clone().unwrap_or_else(|| "uid".into());
    let desc = match q.desc.as_deref() {
        None => sort != "uid",
        Some("1" | "true") => true,
        Some("0" | "false") => false,
        Some(other) => return Err(bad(format!("desc={other:?}: write desc=1 or desc=0"))),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad(format!(
            "limit={limit}: show 1 to {MAX_PAGE} neurons a page"
        )));
    }
    let all = d.metagraph(netuid).await?;
    let filter = q.filter.as_deref().unwrap_or("").trim();
    let mut list: Vec<(f64, &Neuron)> = Vec::with_capacity(all.len());
    let by = column(&sort).ok_or_else(|| {
        bad(format!(
            "sort={sort:?}: sort by uid, stake, rank, trust, consensus, incentive, dividends or emission"
        ))
    })?;
    for n in all.iter().filter(|n| keeps(filter, n)) {
        list.push((value(n, by), n));
    }
    list.sort_by(|(x, a), (y, b)| {
        let order = if desc { y.total_cmp(x) } else { x.total_cmp(y) };
        order.then(a.uid.cmp(&b.uid))
    });
    let offset = q.offset.unwrap_or(0);
    let rows: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(_, n)| neuron_json(n))
        .collect();
    Ok(Json(json!({
        "netuid": netuid, "total": all.len(), "matched": list.len(), "offset": offset,
        "limit": limit, "sort": sort, "desc": desc, "rows": rows,
    })))
}

/// The `count` uids with the most stake (ties: lower uid), in uid order.
fn top_by_stake(all: &[Neuron], count: usize) -> Vec<&Neuron> {
    let mut by_stake: Vec<&Neuron> = all.iter().collect();
    by_stake.sort_by(|a, b| b.stake.cmp(&a.stake).then(a.uid.cmp(&b.uid)));
    by_stake.truncate(count);
    by_stake.sort_by_key(|n| n.uid);
    by_stake
}

async fn weights(State(d): State<Arc<Dash>>, Query(q): Query<NetQuery>) -> ApiResult {
    let netuid = q.netuid()?;
    let limit = q.limit.unwrap_or(48);
    if !(1..=MAX_MATRIX).contains(&limit) {
        return Err(bad(format!(
            "limit={limit}: show 1 to {MAX_MATRIX} neurons"
        )));
    }
    let all = d.metagraph(netuid).await?;
    let shown = top_by_stake(&all, limit);
    let uids: Vec<u16> = shown.iter().map(|n| n.uid).collect();
    let rows = d.client.weight_rows(netuid, &uids).await?;
    let matrix: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            let total: u64 = row.iter().map(|(_, v)| u64::from(*v)).sum();
            let share: BTreeMap<u16, f64> = row
                .iter()
                .filter(|_| total > 0)
                .map(|(to, v)| (*to, f64::from(*v) / total as f64))
                .collect();
            uids.iter()
                .map(|u| share.get(u).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    let pick = |f: fn(&Neuron) -> f64| -> Vec<f64> { shown.iter().map(|n| f(n)).collect() };
    Ok(Json(json!({
        "netuid": netuid,
        "total": all.len(),
        "shown": shown.len(),
        "uids": uids,
        "hotkeys": shown.iter().map(|n| n.hotkey.clone()).collect::<Vec<_>>(),
        "stake": pick(|n| mind(n.stake)),
        "trust": pick(|n| n.trust),
        "consensus": pick(|n| n.consensus),
        "incentive": pick(|n| n.incentive),
        "dividends": pick(|n| n.dividends),
        "matrix": matrix,
    })))
}

async fn epoch(State(d): State<Arc<Dash>>, Query(q): Query<NetQuery>) -> ApiResult {
    let netuid = q.netuid()?;
    d.client.ensure_network(netuid).await?;
    let best = d.client.best_number().await?;
    let s = d.client.epoch_status(netuid).await?;
    let tempo = u64::from(s.tempo);
    let next = s.last_epoch_block.map(|b| b.saturating_add(tempo.max(1)));
    let (progress, label) = match (&s.run, s.last_epoch_block) {
        (Some(r), _) => (
            r.progress(),
            format!(
                "epoch running: {} ({} of {} neurons), phase {} of {}",
                r.phase,
                r.cursor.min(r.neurons),
                r.neurons,
                r.phase_index + 1,
                mindnet_client::EPOCH_PHASES.len()
            ),
        ),
        (None, Some(last)) if tempo > 0 => {
            let since = best.saturating_sub(last).min(tempo);
            (
                since as f64 / tempo as f64,
                format!("block {since} of {tempo} until the next epoch"),
            )
        }
        (None, None) if tempo > 0 => (
            0.0,
            "no epoch yet: the first starts at a boundary block".to_string(),
        ),
        _ => (0.0, "tempo 0: epochs are off on this network".to_string()),
    };
    Ok(Json(json!({
        "netuid": netuid, "best": best, "tempo": s.tempo, "epochs": s.epochs,
        "last_epoch_block": s.last_epoch_block, "next_epoch_block": next,
        "running": s.run.as_ref().map(|r| json!({
            "phase": r.phase, "phase_index": r.phase_index,
            "phases": mindnet_client::EPOCH_PHASES.len(), "cursor": r.cursor,
            "neurons": r.neurons, "started_at": r.started_at,
        })),
        "progress": progress, "label": label,
    })))
}

impl Dash {
    /// The epoch boundary at or before block `block` of `netuid` (remembered: the past
    /// does not change); `None` before the first, or where the node pruned that state.
    async fn boundary_at(&self, netuid: u16, block: u64) -> Option<u64> {
        if let Some(b) = self.boundaries.lock().await.get(&(netuid, block)) {
            return *b;
        }
        let b = self
            .client
            .epoch_status_at(netuid, block)
            .await
            .ok()?
            .last_epoch_block;
        self.boundaries.lock().await.insert((netuid, block), b);
        b
    }

    /// Neuron `uid` of `netuid` at block `block`, remembered.
    async fn neuron_at(&self, netuid: u16, block: u64, uid: u16) -> Result<Option<Neuron>> {
        if let Some(n) = self.past.lock().await.get(&(netuid, block, uid)) {
            return Ok(n.clone());
        }
        let n = self.client.neuron_at(netuid, uid, block).await?;
        self.past
            .lock()
            .await
            .insert((netuid, block, uid), n.clone());
        Ok(n)
    }
}

async fn history(State(d): State<Arc<Dash>>, Query(q): Query<NetQuery>) -> ApiResult {
    let netuid = q.netuid()?;
    let all = d.metagraph(netuid).await?;
    let follow = top_by_stake(&all, HISTORY_SERIES);
    // Walk back from the best block along the epoch boundaries.
    let best = d.client.best_number().await?;
    let mut blocks = vec![best];
    let mut before = best;
    while blocks.len() < HISTORY_SAMPLES {
        match d.boundary_at(netuid, before).await {
            Some(b) if b > 0 && b < before => {
                blocks.push(b);
                before = b - 1;
            }
            Some(b) if b > 0 && b == before => before = b - 1,
            _ => break,
        }
    }
    blocks.reverse();
    let mut series = Vec::new();
    for n in &follow {
        let (mut stake, mut emission) = (Vec::new(), Vec::new());
        for &block in &blocks {
            // A neuron the node no longer holds the state for, or another hotkey held the
            // uid then: a gap.
            let then = match d.neuron_at(netuid, block, n.uid).await {
                Ok(Some(p)) if p.hotkey == n.hotkey => Some(p),
                _ => None,
            };
            stake.push(then.as_ref().map(|p| mind(p.stake)));
            emission.push(then.as_ref().map(|p| mind(u128::from(p.emission))));
        }
        series.push(json!({
            "uid": n.uid, "hotkey": n.hotkey, "stake": stake, "emission": emission,
        }));
    }
    // Forget what the page can no longer ask for.
    let oldest = blocks.first().copied().unwrap_or(0);
    d.past.lock().await.retain(|(_, b, _), _| *b >= oldest);
    d.boundaries.lock().await.retain(|(_, b), _| *b >= oldest);
    Ok(Json(
        json!({ "netuid": netuid, "blocks": blocks, "series": series }),
    ))
}

/// The `curve` of a learner's summary JSON.
fn summary_curve(path: &PathBuf) -> std::result::Result<Vec<(u64, f64)>, ApiError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    #[derive(Deserialize)]
    struct Curve {
        curve: Vec<(u64, f64)>,
    }
    serde_json::from_str::<Curve>(&text)
        .map(|c| c.curve)
        .map_err(|e| {
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{} is not a learner summary ({e})", path.display()),
            )
        })
}

async fn learner(State(d): State<Arc<Dash>>) -> ApiResult {
    let l = &d.learner;
    let mut sources = Vec::new();
    let mut curves = Vec::new();
    if let Some(m) = &l.metrics {
        sources.push(m.clone());
        let seen = l.seen.lock().map(|s| s.clone()).unwrap_or_default();
        curves.push(json!({ "name": "learner", "points": seen }));
    }
    if let Some(p) = &l.summary {
        sources.push(p.display().to_string());
        curves.push(json!({ "name": "learner (summary)", "points": summary_curve(p)? }));
    }
    if let Some(p) = &l.alone {
        sources.push(p.display().to_string());
        curves.push(json!({ "name": "alone", "points": summary_curve(p)? }));
    }
    Ok(Json(json!({ "sources": sources, "curves": curves })))
}

/// A gauge's value in Prometheus text.
fn gauge(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Polls the learner's `/metrics` every few seconds and keeps each new validation loss.
async fn poll_learner(d: Arc<Dash>) {
    use http_body_util::{BodyExt, Empty, Limited};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client as Http;
    use hyper_util::rt::TokioExecutor;
    let Some(url) = d.learner.metrics.clone() else {
        return;
    };
    let Ok(uri) = url.parse::<hyper::Uri>() else {
        eprintln!("dashboard: {url:?} is not a URL; the learner's curve stays empty");
        return;
    };
    let http: Http<_, Empty<Bytes>> = Http::builder(TokioExecutor::new()).build_http();
    loop {
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            let response = http.get(uri.clone()).await.ok()?;
            // A metrics page is a few KB: a larger answer is not one.
            let body = Limited::new(response.into_body(), 1 << 20)
                .collect()
                .await
                .ok()?
                .to_bytes();
            String::from_utf8(body.to_vec()).ok()
        })
        .await
        .ok()
        .flatten();
        if let Some(text) = got {
            let step = gauge(&text, "mindnet_learner_steps");
            let loss = gauge(&text, "mindnet_learner_validation_loss");
            if let (Some(step), Some(loss), Ok(mut seen)) = (step, loss, d.learner.seen.lock()) {
                let step = step as u64;
                if seen.last().is_none_or(|(s, _)| *s != step) && loss.is_finite() {
                    seen.push((step, loss));
                    if seen.len() > MAX_LEARNER_POINTS {
                        seen.remove(0);
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mindnet_client::keys::{ss58_encode, SS58_PREFIX};

    /// The address of the all-`byte` public key, with `prefix`.
    fn address(byte: u8, prefix: u16) -> String {
        ss58_encode(&[byte; 32], prefix)
    }

    fn neuron(uid: u16, stake: u128, active: bool) -> Neuron {
        Neuron {
            uid,
            hotkey: address(u8::try_from(uid).unwrap_or(0), SS58_PREFIX),
            coldkey: address(200, SS58_PREFIX),
            stake,
            rank: 0.0,
            trust: 0.0,
            consensus: 0.0,
            incentive: 0.0,
            dividends: 0.0,
            emission: 0,
            last_update: None,
            registered_at: 0,
            active,
            axon: None,
        }
    }

    #[test]
    fn filters_and_columns() {
        let n = neuron(3, 5, true);
        assert!(keeps("", &n) && keeps("active", &n) && !keeps("inactive", &n));
        let hot = |byte, prefix| format!("hotkey={}", address(byte, prefix));
        assert!(keeps(&hot(3, SS58_PREFIX), &n) && !keeps(&hot(4, SS58_PREFIX), &n));
        // Any SS58 prefix names the same key, as in `mindnet neurons --filter`.
        assert!(keeps(&hot(3, 42), &n));
        let cold = format!("coldkey={}", address(200, SS58_PREFIX));
        assert!(keeps(&cold, &n) && keeps(&n.hotkey[5..15], &n) && !keeps("zzz", &n));
        assert_eq!(column("stake").map(|c| value(&n, c)), Some(5.0));
        assert_eq!(column("height"), None);
    }

    #[test]
    fn top_by_stake_keeps_the_largest_in_uid_order() {
        let all = vec![
            neuron(0, 1, true),
            neuron(1, 9, true),
            neuron(2, 5, true),
            neuron(3, 9, true),
        ];
        let top: Vec<u16> = top_by_stake(&all, 3).iter().map(|n| n.uid).collect();
        assert_eq!(top, vec![1, 2, 3]);
    }

    #[test]
    fn gauges_parse_from_prometheus_text() {
        let text = "# HELP mindnet_learner_steps steps\n# TYPE mindnet_learner_steps gauge\nmindnet_learner_steps 200\nmindnet_learner_steps_total 9\nmindnet_learner_validation_loss 2.5\n";
        assert_eq!(gauge(text, "mindnet_learner_steps"), Some(200.0));
        assert_eq!(gauge(text, "mindnet_learner_validation_loss"), Some(2.5));
        assert_eq!(gauge(text, "mindnet_learner_tokens"), None);
    }
}
