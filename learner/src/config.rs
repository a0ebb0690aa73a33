//! The learner's options: flags, a TOML file with the same keys, and the defaults.
//!
//! Every option is optional on the command line and in the file (`--config learner.toml`,
//! keys as the long flags with `_` for `-`, training and network options in one table); a
//! flag wins over the file, and what neither gives takes its default from [`defaults`], the
//! one place the defaults are written: the help texts quote them from there.

use crate::axon::ServeMode;
use crate::data::Shard;
use crate::device::DeviceKind;
use crate::error::{Error, Result};
use crate::model::{ModelConfig, ModelKind};
use crate::run::{Market, NetworkOptions, Options, ScoreMode};
use clap::Args;
use mindnet_client::keys::Key;
use mindnet_client::wallet::WalletDir;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The defaults of the options that neither the flags nor the file give.
pub mod defaults {
    use crate::axon::ServeMode;
    use crate::device::DeviceKind;
    use std::net::{IpAddr, Ipv4Addr};

    /// `--shard`: the whole text.
    pub const SHARD: &str = "0/1";
    /// `--device`.
    pub const DEVICE: DeviceKind = DeviceKind::Cpu;
    /// `--batch`.
    pub const BATCH: usize = 32;
    /// `--lr`.
    pub const LR: f64 = 0.003;
    /// `--steps` of `alone` (`run` runs until Ctrl-C).
    pub const ALONE_STEPS: u64 = 600;
    /// `--eval-every`.
    pub const EVAL_EVERY: u64 = 100;
    /// `--eval-batches`.
    pub const EVAL_BATCHES: usize = 8;
    /// `--checkpoint-every`.
    pub const CHECKPOINT_EVERY: u64 = 200;
    /// `--seed`.
    pub const SEED: u64 = 1;
    /// The score's moving-average rate (no flag): a window of about 100 probes, long
    /// enough to rank peers whose contributions differ by a tenth of a nat on 4-row probes.
    pub const SCORE_RATE: f64 = 0.01;
    /// `--url`.
    pub const URL: &str = "ws://127.0.0.1:9944";
    /// `--netuid`.
    pub const NETUID: u16 = 0;
    /// `--hotkey`.
    pub const HOTKEY: &str = "default";
    /// `--port`.
    pub const PORT: u16 = 8091;
    /// `--bind`.
    pub const BIND: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    /// `--announce`.
    pub const ANNOUNCE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    /// `--serve`.
    pub const SERVE: ServeMode = ServeMode::Model;
    /// `--weights-every`.
    pub const WEIGHTS_EVERY: u64 = 10;
    /// `--peer-timeout-ms`.
    pub const PEER_TIMEOUT_MS: u64 = 2000;
    /// `--min-peers`.
    pub const MIN_PEERS: usize = 0;
    /// One chain request's deadline in seconds (no flag).
    pub const CHAIN_TIMEOUT_S: u64 = 20;
    /// `--model`.
    pub const MODEL: ModelKind = ModelKind::Mlp;
    /// `--context` of the MLP.
    pub const CONTEXT_MLP: usize = 8;
    /// `--context` of the transformer.
    pub const CONTEXT_TRANSFORMER: usize = 64;
    /// `--topk`.
    pub const TOPK: usize = 4;
    /// `--max-peers`.
    pub const MAX_PEERS: usize = 1024;
    /// `--explore`.
    pub const EXPLORE: usize = 4;
    /// `--gate-noise`: enough to vary near-ties from batch to batch. Probes, not noise,
    /// guarantee every peer is measured; at 1.0 the routed rows went to the wrong peers
    /// often enough to cost 6 % of validation loss against asking everyone (64 peers,
    /// 3,000 steps), at 0.3 (with `--balance` 0.001) 1.4 %.
    pub const GATE_NOISE: f32 = 0.3;
    /// `--balance`: the importance loss only has to keep the gate from collapsing onto a
    /// few peers; at 0.01 it pulled load off the best peers (see `GATE_NOISE`).
    pub const BALANCE: f64 = 0.001;
    /// `--score`: ablation, exact on the probe rows. Seed 004's Fisher estimate agrees
    /// with it on small contributions but saturates on large ones (a useful peer's removal
    /// is no small perturbation), so it ranks the best peers wrongly; it is still measured
    /// and reported.
    pub const SCORE: ScoreMode = ScoreMode::Ablation;
    /// `--ablation-every` with `--score ablation` (with `fisher`: off unless given): every
    /// batch, since each peer is probed only every `⌈n / explore⌉` batches.
    pub const ABLATION_EVERY: u64 = 1;
    /// `--min-evidence`: the first 1/rate = 100 probes of a score are averaged evenly, so
    /// after 20 the estimate's standard error is 1/√20 (a fifth) of one probe's spread:
    /// enough to tell a peer that helps from one that does not (the adversaries' scores are
    /// 0 or below; a peer right one time in five gains about 0.15 nats a row), not yet to
    /// order close peers, which the average goes on refining.
    pub const MIN_EVIDENCE: u64 = 20;
    /// `--axon-rate`.
    pub const AXON_RATE: f64 = 100.0;
    /// `--axon-concurrency`.
    pub const AXON_CONCURRENCY: usize = 8;

    use crate::model::ModelKind;
    use crate::run::ScoreMode;
}

/// Options of training, alone or not. Every one is optional here so that a config file can
/// supply it; the defaults are applied after merging.
#[derive(Args, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainArgs {
    /// A TOML file with any of these options.
    #[arg(long)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// The text to train on (default: the bundled Shakespeare).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, help = with_default(
        "Which shard of the training text, INDEX/COUNT",
        defaults::SHARD,
    ))]
    pub shard: Option<String>,
    /// cpu or cuda (cuda needs a build with --features cuda).
    #[arg(long, value_enum)]
    pub device: Option<DeviceKind>,
    #[arg(long, help = with_default("Rows per batch", defaults::BATCH))]
    pub batch: Option<usize>,
    #[arg(long, help = with_default("Learning rate", defaults::LR))]
    pub lr: Option<f64>,
    #[arg(long, help = format!(
        "Stop after this many steps in all (default: run until Ctrl-C; `alone`: {})",
        defaults::ALONE_STEPS
    ))]
    pub steps: Option<u64>,
    #[arg(long, help = with_default("Evaluate every this many steps", defaults::EVAL_EVERY))]
    pub eval_every: Option<u64>,
    #[arg(long, help = with_default("Validation batches per evaluation", defaults::EVAL_BATCHES))]
    pub eval_batches: Option<usize>,
    /// Checkpoint file (safetensors); resumed from when it exists.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    #[arg(long, help = with_default(
        "Checkpoint every this many steps",
        defaults::CHECKPOINT_EVERY,
    ))]
    pub checkpoint_every: Option<u64>,
    #[arg(long, help = with_default("Seed", defaults::SEED))]
    pub seed: Option<u64>,
    /// Write the summary JSON here as well as to stdout.
    #[arg(long)]
    pub summary: Option<PathBuf>,
    #[arg(long, value_enum, help = "The encoder: mlp (default) or transformer")]
    pub model: Option<ModelKind>,
    #[arg(long, help = format!(
        "Bytes of context (default {} with mlp, {} with transformer); every peer of a network must use the same",
        defaults::CONTEXT_MLP, defaults::CONTEXT_TRANSFORMER
    ))]
    pub context: Option<usize>,
    #[arg(long, help = with_default("Peers asked per example", defaults::TOPK))]
    pub topk: Option<usize>,
    #[arg(long, help = with_default("Gate columns: the most peers tracked at once", defaults::MAX_PEERS))]
    pub max_peers: Option<usize>,
    #[arg(long, help = with_default("Peers explored per batch, round-robin", defaults::EXPLORE))]
    pub explore: Option<usize>,
    #[arg(long, help = with_default("The gate noise's standard deviation", defaults::GATE_NOISE))]
    pub gate_noise: Option<f32>,
    #[arg(long, help = with_default("The gate's load-balancing loss weight", defaults::BALANCE))]
    pub balance: Option<f64>,
    #[arg(
        long,
        value_enum,
        help = "What the weights come from: ablation (default; the real loss change of zeroing a peer on its probe rows) or fisher (seed 004 eq. 9's estimate of it)"
    )]
    pub score: Option<ScoreMode>,
    #[arg(long, help = format!(
        "Batches between two ablation measurements (default {} with --score ablation, else off)",
        defaults::ABLATION_EVERY
    ))]
    pub ablation_every: Option<u64>,
    #[arg(long, help = with_default("Batches a peer is scored on before it is weighted", defaults::MIN_EVIDENCE))]
    pub min_evidence: Option<u64>,
    /// `alone` only: the distilled student of a networked checkpoint stands in for every
    /// peer, so the model trains and validates as it did on the network, without it.
    #[arg(long)]
    #[serde(default)]
    pub offline: bool,
}

/// `run`'s options: training's and the network's.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    #[command(flatten)]
    pub net: NetArgs,
}

/// Options of joining a network, optional like [`TrainArgs`].
#[derive(Args, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetArgs {
    #[arg(long, env = "MINDNET_URL", help = with_default("The node's WebSocket URL", defaults::URL))]
    pub url: Option<String>,
    #[arg(long, help = with_default("The network", defaults::NETUID))]
    pub netuid: Option<u16>,
    /// The wallet (coldkey name) whose hotkey the learner uses.
    #[arg(long)]
    pub wallet: Option<String>,
    #[arg(long, help = format!(
        "The hotkey's name in the wallet (default {:?})",
        defaults::HOTKEY
    ))]
    pub hotkey: Option<String>,
    /// A secret URI for the hotkey instead of a wallet (dev chains: //Alice//learner).
    #[arg(long)]
    pub suri: Option<String>,
    /// The wallet folder (default ~/.mindnet/wallets).
    #[arg(long, env = "MINDNET_WALLET_DIR")]
    pub wallet_dir: Option<PathBuf>,
    /// A file holding the hotkey's password (else $MINDNET_PASSWORD, else a prompt).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    #[arg(long, help = with_default("The axon's port", defaults::PORT))]
    pub port: Option<u16>,
    #[arg(long, help = with_default("The address the axon listens on", defaults::BIND))]
    pub bind: Option<IpAddr>,
    #[arg(long, help = format!(
        "The IP announced on chain (default {}; a public node needs its public IP)",
        defaults::ANNOUNCE
    ))]
    pub announce: Option<IpAddr>,
    /// What the axon answers: model; noise, loud (noise ×100) or late (after the callers'
    /// deadline) are adversaries for experiments.
    #[arg(long, value_enum)]
    pub serve: Option<ServeMode>,
    #[arg(long, help = with_default("Blocks between weight submissions", defaults::WEIGHTS_EVERY))]
    pub weights_every: Option<u64>,
    #[arg(long, help = with_default(
        "One peer query's deadline in milliseconds",
        defaults::PEER_TIMEOUT_MS,
    ))]
    pub peer_timeout_ms: Option<u64>,
    #[arg(long, help = with_default(
        "Wait until this many peers serve axons on chain before training",
        defaults::MIN_PEERS,
    ))]
    pub min_peers: Option<usize>,
    #[arg(long, help = with_default("Requests a second each caller may make to the axon", defaults::AXON_RATE))]
    pub axon_rate: Option<f64>,
    #[arg(long, help = with_default("Requests of one caller the axon serves at once", defaults::AXON_CONCURRENCY))]
    pub axon_concurrency: Option<usize>,
    /// Competitive connectivity (seed 000 eq. 7): serve each caller the share
    /// σ((s_i w_ij − μ_j)/T) of each representation, by the weight it puts on this learner
    /// against the network's mean (default: off, everyone served fully).
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,
}

/// A config file: the training and network options in one table.
#[derive(Debug, Default)]
pub struct FileConfig {
    /// The training options.
    pub train: TrainArgs,
    /// The network options.
    pub net: NetArgs,
}

/// Training options resolved: the run's options, where it trains and where its summary goes.
#[derive(Debug)]
pub struct Resolved {
    /// The run's options (`network` still None).
    pub options: Options,
    /// CPU or CUDA.
    pub device: DeviceKind,
    /// A file for the summary JSON.
    pub summary: Option<PathBuf>,
}

/// Reads the config file at `path`, if any: its keys split into network options (those of
/// [`NetArgs`]) and training options (the rest, so that an unknown key is reported there).
pub fn read_config(path: &Option<PathBuf>) -> Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    let bad = |e: toml::de::Error| {
        Error::usage(format!(
            "the config file {} is malformed: {}",
            path.display(),
            e.message().trim_end()
        ))
    };
    let table: toml::Table = toml::from_str(&text).map_err(bad)?;
    let net_keys = NetArgs::keys();
    let (net, train): (toml::Table, toml::Table) =
        table.into_iter().partition(|(k, _)| net_keys.contains(k));
    Ok(FileConfig {
        train: train.try_into().map_err(bad)?,
        net: net.try_into().map_err(bad)?,
    })
}

/// A flag's help text: what it is and its default.
fn with_default(what: &str, default: impl std::fmt::Display) -> String {
    format!("{what} (default {default})")
}

/// `v`, or a usage error naming `--name` when it is 0.
fn positive(name: &str, v: u64) -> Result<u64> {
    if v == 0 {
        Err(Error::usage(format!("--{name} must be at least 1")))
    } else {
        Ok(v)
    }
}

impl TrainArgs {
    /// These options, each one not given taken from `file`.
    pub fn or(self, file: TrainArgs) -> TrainArgs {
        TrainArgs {
            config: self.config.or(file.config),
            data: self.data.or(file.data),
            shard: self.shard.or(file.shard),
            device: self.device.or(file.device),
            batch: self.batch.or(file.batch),
            lr: self.lr.or(file.lr),
            steps: self.steps.or(file.steps),
            eval_every: self.eval_every.or(file.eval_every),
            eval_batches: self.eval_batches.or(file.eval_batches),
            checkpoint: self.checkpoint.or(file.checkpoint),
            checkpoint_every: self.checkpoint_every.or(file.checkpoint_every),
            seed: self.seed.or(file.seed),
            summary: self.summary.or(file.summary),
            model: self.model.or(file.model),
            context: self.context.or(file.context),
            topk: self.topk.or(file.topk),
            max_peers: self.max_peers.or(file.max_peers),
            explore: self.explore.or(file.explore),
            gate_noise: self.gate_noise.or(file.gate_noise),
            balance: self.balance.or(file.balance),
            score: self.score.or(file.score),
            ablation_every: self.ablation_every.or(file.ablation_every),
            min_evidence: self.min_evidence.or(file.min_evidence),
            offline: self.offline || file.offline,
        }
    }

    /// The model's sizes and the market's options, checked.
    fn market(&self) -> Result<(ModelConfig, Market)> {
        let kind = self.model.unwrap_or(defaults::MODEL);
        let context = positive(
            "context",
            self.context.unwrap_or(match kind {
                ModelKind::Mlp => defaults::CONTEXT_MLP,
                ModelKind::Transformer => defaults::CONTEXT_TRANSFORMER,
            }) as u64,
        )? as usize;
        let topk = positive("topk", self.topk.unwrap_or(defaults::TOPK) as u64)? as usize;
        let max_peers = positive(
            "max-peers",
            self.max_peers.unwrap_or(defaults::MAX_PEERS) as u64,
        )? as usize;
        if max_peers > usize::from(u16::MAX) + 1 {
            return Err(Error::usage(
                "--max-peers must be at most 65536 (a network's most uids)",
            ));
        }
        let gate_noise = self.gate_noise.unwrap_or(defaults::GATE_NOISE);
        let balance = self.balance.unwrap_or(defaults::BALANCE);
        if !(gate_noise.is_finite() && gate_noise >= 0.0) {
            return Err(Error::usage(
                "--gate-noise must be a number at least 0, e.g. 1",
            ));
        }
        if !(balance.is_finite() && balance >= 0.0) {
            return Err(Error::usage(
                "--balance must be a number at least 0, e.g. 0.01",
            ));
        }
        let score = self.score.unwrap_or(defaults::SCORE);
        let ablation_every = self.ablation_every.unwrap_or(match score {
            ScoreMode::Ablation => defaults::ABLATION_EVERY,
            ScoreMode::Fisher => 0,
        });
        let model = ModelConfig {
            kind,
            context,
            topk,
            max_peers,
            ..ModelConfig::default()
        };
        let market = Market {
            explore: self.explore.unwrap_or(defaults::EXPLORE),
            gate_noise,
            balance,
            score,
            ablation_every,
            min_evidence: self.min_evidence.unwrap_or(defaults::MIN_EVIDENCE),
        };
        Ok((model, market))
    }

    /// The options with the defaults for what is not given, checked (`alone`: a run without
    /// a network, which stops after [`defaults::ALONE_STEPS`]).
    pub fn resolve(self, alone: bool) -> Result<Resolved> {
        if self.offline && !alone {
            return Err(Error::usage(
                "--offline is for `alone`: run `mindnet-learner alone --offline --checkpoint FILE` with the checkpoint of a learner that ran on a network",
            ));
        }
        if self.offline && !self.checkpoint.as_ref().is_some_and(|p| p.exists()) {
            return Err(Error::usage(
                "--offline needs --checkpoint FILE, an existing checkpoint of a learner that ran on a network (its student stands in for the peers)",
            ));
        }
        let offline = self.offline;
        let (model, market) = self.market()?;
        let shard: Shard = self
            .shard
            .unwrap_or_else(|| defaults::SHARD.into())
            .parse()?;
        let batch = positive("batch", self.batch.unwrap_or(defaults::BATCH) as u64)? as usize;
        let lr = self.lr.unwrap_or(defaults::LR);
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::usage("--lr must be a positive number, e.g. 0.003"));
        }
        let options = Options {
            data: self.data,
            shard,
            model,
            market,
            batch,
            lr,
            steps: self.steps.or(alone.then_some(defaults::ALONE_STEPS)),
            eval_every: positive(
                "eval-every",
                self.eval_every.unwrap_or(defaults::EVAL_EVERY),
            )?,
            eval_batches: positive(
                "eval-batches",
                self.eval_batches.unwrap_or(defaults::EVAL_BATCHES) as u64,
            )? as usize,
            checkpoint: self.checkpoint,
            checkpoint_every: positive(
                "checkpoint-every",
                self.checkpoint_every.unwrap_or(defaults::CHECKPOINT_EVERY),
            )?,
            seed: self.seed.unwrap_or(defaults::SEED),
            score_rate: defaults::SCORE_RATE,
            network: None,
            offline,
        };
        Ok(Resolved {
            options,
            device: self.device.unwrap_or(defaults::DEVICE),
            summary: self.summary,
        })
    }
}

impl NetArgs {
    /// The config-file keys that are network options: the fields' names.
    fn keys() -> Vec<String> {
        NetArgs::augment_args(clap::Command::new("keys"))
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect()
    }

    /// These options, each one not given taken from `file`.
    pub fn or(self, file: NetArgs) -> NetArgs {
        NetArgs {
            url: self.url.or(file.url),
            netuid: self.netuid.or(file.netuid),
            wallet: self.wallet.or(file.wallet),
            hotkey: self.hotkey.or(file.hotkey),
            suri: self.suri.or(file.suri),
            wallet_dir: self.wallet_dir.or(file.wallet_dir),
            password_file: self.password_file.or(file.password_file),
            port: self.port.or(file.port),
            bind: self.bind.or(file.bind),
            announce: self.announce.or(file.announce),
            serve: self.serve.or(file.serve),
            weights_every: self.weights_every.or(file.weights_every),
            peer_timeout_ms: self.peer_timeout_ms.or(file.peer_timeout_ms),
            min_peers: self.min_peers.or(file.min_peers),
            temperature: self.temperature.or(file.temperature),
            axon_rate: self.axon_rate.or(file.axon_rate),
            axon_concurrency: self.axon_concurrency.or(file.axon_concurrency),
        }
    }

    /// These options, each of url, netuid, wallet, hotkey and wallet folder not given taken
    /// from the config file `mindnet` reads too (`~/.mindnet/config.toml` or
    /// `$MINDNET_CONFIG`); a `--suri` keeps the wallet unset.
    pub fn or_shared(self, shared: mindnet_client::config::Config) -> NetArgs {
        let keyed = self.suri.is_none();
        NetArgs {
            url: self.url.or(shared.url),
            netuid: self.netuid.or(shared.netuid),
            wallet: self.wallet.or(shared.wallet.filter(|_| keyed)),
            hotkey: self.hotkey.or(shared.hotkey.filter(|_| keyed)),
            wallet_dir: self.wallet_dir.or(shared.wallet_dir),
            ..self
        }
    }

    /// The network options with the defaults for what is not given, and the hotkey (read
    /// from its wallet, which may ask for its password).
    pub fn resolve(self) -> Result<NetworkOptions> {
        let url = self.url.clone().unwrap_or_else(|| defaults::URL.into());
        let netuid = self.netuid.unwrap_or(defaults::NETUID);
        let port = self.port.unwrap_or(defaults::PORT);
        let bind = self.bind.unwrap_or(defaults::BIND);
        let announce = self.announce.unwrap_or(defaults::ANNOUNCE);
        if port == 0 {
            return Err(Error::usage(
                "--port must be 1 to 65535: peers connect to the port announced on chain",
            ));
        }
        if announce.is_unspecified() || announce.is_multicast() {
            return Err(Error::usage(format!(
                "--announce {announce} is not an address peers can reach: give the IP they reach this learner at"
            )));
        }
        let serve = self.serve.unwrap_or(defaults::SERVE);
        let weights_every = self.weights_every.unwrap_or(defaults::WEIGHTS_EVERY).max(1);
        let peer_timeout = Duration::from_millis(
            self.peer_timeout_ms
                .unwrap_or(defaults::PEER_TIMEOUT_MS)
                .max(1),
        );
        let min_peers = self.min_peers.unwrap_or(defaults::MIN_PEERS);
        let temperature = self.temperature;
        if temperature.is_some_and(|t| !(t.is_finite() && t > 0.0)) {
            return Err(Error::usage(
                "--temperature must be a positive number, e.g. 0.1 (leave it out to serve every caller fully)",
            ));
        }
        let rate = self.axon_rate.unwrap_or(defaults::AXON_RATE);
        if !(rate.is_finite() && rate > 0.0) {
            return Err(Error::usage(
                "--axon-rate must be a positive number, e.g. 100",
            ));
        }
        let limits = crate::axon::Limits {
            rate,
            burst: rate * 2.0,
            per_caller: positive(
                "axon-concurrency",
                self.axon_concurrency.unwrap_or(defaults::AXON_CONCURRENCY) as u64,
            )? as usize,
            ..crate::axon::Limits::default()
        };
        let commits = WalletDir::new(self.wallet_dir.clone())?.commit_store();
        Ok(NetworkOptions {
            url,
            netuid,
            commits,
            key: self.hotkey()?,
            bind: SocketAddr::new(bind, port),
            announce,
            serve,
            weights_every,
            peer_timeout,
            chain_timeout: Duration::from_secs(defaults::CHAIN_TIMEOUT_S),
            min_peers,
            limits,
            temperature,
        })
    }

    /// The hotkey: from `--suri`, else from the wallet (decrypted with its password).
    fn hotkey(self) -> Result<Key> {
        if let Some(suri) = self.suri {
            return Key::from_suri(&suri);
        }
        let Some(wallet) = self.wallet else {
            return Err(Error::usage(
                "no hotkey: give --wallet NAME (and --hotkey NAME) or --suri for a dev key",
            ));
        };
        let name = self.hotkey.unwrap_or_else(|| defaults::HOTKEY.into());
        let w = WalletDir::new(self.wallet_dir)?;
        let path = w.hotkey_path(&wallet, &name)?;
        let store = w.read(&path, &format!("hotkey {name} of wallet {wallet}"))?;
        let password = if store.is_encrypted() {
            Some(mindnet_client::wallet::password(
                self.password_file.as_deref(),
                &format!("password of hotkey {name}"),
                false,
            )?)
        } else {
            None
        };
        Key::from_keystore(&store, password.as_deref().map(|p| p.as_str()))
    }
}

impl RunArgs {
    /// The options of `run`: flags over the config file over the defaults, with the
    /// network's.
    pub fn resolve(self) -> Result<Resolved> {
        let file = read_config(&self.train.config)?;
        let mut resolved = self.train.or(file.train).resolve(false)?;
        let shared = mindnet_client::config::Config::load(None)?;
        resolved.options.network = Some(self.net.or(file.net).or_shared(shared).resolve()?);
        Ok(resolved)
    }
}

/// The options of `alone`: flags over the config file over the defaults.
pub fn alone(args: TrainArgs) -> Result<Resolved> {
    let file = read_config(&args.config)?;
    args.or(file.train).resolve(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_config_fills_what_neither_flags_nor_file_give() {
        let shared = mindnet_client::config::Config::parse(
            "url = \"ws://node:1\"\nwallet = \"me\"\nhotkey = \"miner\"\nnetuid = 4\n",
        )
        .unwrap();
        let flags = NetArgs {
            netuid: Some(2),
            ..Default::default()
        };
        let net = flags.or(NetArgs::default()).or_shared(shared.clone());
        assert_eq!(net.netuid, Some(2), "the flag wins");
        assert_eq!(net.url.as_deref(), Some("ws://node:1"));
        assert_eq!(net.wallet.as_deref(), Some("me"));
        assert_eq!(net.hotkey.as_deref(), Some("miner"));
        let dev = NetArgs {
            suri: Some("//Alice".into()),
            ..Default::default()
        }
        .or_shared(shared);
        assert_eq!(
            dev.wallet, None,
            "a secret URI is not mixed with the file's wallet"
        );
    }

    fn config(text: &str) -> Result<FileConfig> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("learner.toml");
        std::fs::write(&path, text).unwrap();
        read_config(&Some(path))
    }

    #[test]
    fn a_config_file_sets_options_and_flags_win() {
        let f = config("steps = 50\nshard = \"1/2\"\nport = 9000\nserve = \"noise\"\n").unwrap();
        assert_eq!(f.train.steps, Some(50));
        assert_eq!(f.net.port, Some(9000));
        assert_eq!(f.net.serve, Some(ServeMode::Noise));
        let flags = TrainArgs {
            steps: Some(7),
            ..Default::default()
        };
        let opts = flags.or(f.train).resolve(false).unwrap().options;
        assert_eq!(opts.steps, Some(7), "the flag wins");
        assert_eq!(
            opts.shard,
            "1/2".parse().unwrap(),
            "the file fills the rest"
        );
        for (bad, says) in [
            ("bogus = 1", "unknown field `bogus`"),
            ("steps = \"x\"", "invalid type"),
            ("steps = ", "malformed"),
        ] {
            let err = config(bad).unwrap_err().message;
            assert!(err.contains(says), "{bad}: {err}");
        }
        let err = TrainArgs {
            lr: Some(-1.0),
            ..Default::default()
        }
        .or(TrainArgs::default())
        .resolve(true)
        .unwrap_err()
        .message;
        assert!(err.contains("--lr"), "{err}");
        for (net, says) in [
            (
                NetArgs {
                    port: Some(0),
                    ..Default::default()
                },
                "--port must be 1 to 65535",
            ),
            (
                NetArgs {
                    announce: Some("0.0.0.0".parse().unwrap()),
                    ..Default::default()
                },
                "--announce 0.0.0.0 is not an address peers can reach",
            ),
        ] {
            let err = net.resolve().unwrap_err().message;
            assert!(err.contains(says), "{err}");
        }
    }
}

/// `peers`' options: a test bed of synthetic peers with known usefulness, and adversaries.
#[derive(Args, Debug)]
pub struct BedArgs {
    #[arg(long, env = "MINDNET_URL", help = with_default("The node's WebSocket URL", defaults::URL))]
    pub url: Option<String>,
    #[arg(long, help = with_default("The network", defaults::NETUID))]
    pub netuid: Option<u16>,
    /// The secret URI of the coldkey that funds and registers every peer (dev chains:
    /// //Alice); hotkeys are derived from it as <owner>//bed//<name>.
    #[arg(long)]
    pub owner_suri: String,
    /// Synthetic peers; peer j tells the truth with probability j / (count − 1).
    #[arg(long, default_value_t = 8)]
    pub count: usize,
    /// Adversaries to field besides, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub adversaries: Vec<crate::synthetic::bed::Adversary>,
    /// The learner (hotkey SS58) a `split` adversary answers honestly.
    #[arg(long)]
    pub split_to: Option<String>,
    #[arg(long, help = with_default("The address the axons listen on", defaults::BIND))]
    pub bind: Option<IpAddr>,
    #[arg(long, help = with_default("The IP announced on chain", defaults::ANNOUNCE))]
    pub announce: Option<IpAddr>,
    /// The first axon's port; the others take the next ones.
    #[arg(long, default_value_t = 9100)]
    pub port: u16,
    #[arg(long, help = format!("Bytes of context (default {})", defaults::CONTEXT_MLP))]
    pub context: Option<usize>,
    /// MIND sent to each peer's hotkey for its fees.
    #[arg(long, default_value = "1")]
    pub fund: String,
    /// MIND staked behind the poisoner, so that it may send gradients.
    #[arg(long, default_value = "10")]
    pub stake: String,
    /// The text the peers know (default: the bundled one).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, help = with_default("Seed", defaults::SEED))]
    pub seed: Option<u64>,
    /// Write the peers (name, hotkey, uid, p, adversary, port) here as JSON once they serve.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
}

impl BedArgs {
    /// The bed's options, checked.
    pub fn resolve(self) -> Result<crate::synthetic::bed::BedOptions> {
        let context = positive(
            "context",
            self.context.unwrap_or(defaults::CONTEXT_MLP) as u64,
        )? as usize;
        if self.count == 0 && self.adversaries.is_empty() {
            return Err(Error::usage(
                "--count 0 and no --adversaries: the bed would be empty",
            ));
        }
        let split_to =
            match self.split_to {
                Some(a) => Some(mindnet_client::keys::ss58_decode(&a).map_err(|_| {
                    Error::usage(format!("--split-to {a:?} is not an SS58 address"))
                })?),
                None if self
                    .adversaries
                    .contains(&crate::synthetic::bed::Adversary::Split) =>
                {
                    return Err(Error::usage(
                        "the split adversary needs --split-to, the learner it answers honestly",
                    ))
                }
                None => None,
            };
        let mind = |flag: &str, v: &str| {
            mindnet_client::amount::parse_mind(v)
                .map_err(|e| Error::usage(format!("--{flag}: {}", e.message)))
        };
        Ok(crate::synthetic::bed::BedOptions {
            url: self.url.unwrap_or_else(|| defaults::URL.into()),
            netuid: self.netuid.unwrap_or(defaults::NETUID),
            owner_suri: self.owner_suri,
            count: self.count,
            adversaries: self.adversaries,
            split_to,
            bind: self.bind.unwrap_or(defaults::BIND),
            announce: self.announce.unwrap_or(defaults::ANNOUNCE),
            port: self.port,
            config: ModelConfig {
                context,
                ..ModelConfig::default()
            },
            fund: mind("fund", &self.fund)?,
            stake: mind("stake", &self.stake)?,
            data: self.data,
            seed: self.seed.unwrap_or(defaults::SEED),
            manifest: self.manifest,
        })
    }
}
