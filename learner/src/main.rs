//! `mindnet-learner`: train, serve, score peers, set weights.
//!
//! ```text
//! mindnet-learner run   --url ws://127.0.0.1:9944 --suri //Alice//learner --netuid 0 --port 8091
//! mindnet-learner alone --steps 600          # the same model and data without a network
//! ```
//!
//! Every option can also come from a TOML file (`--config learner.toml`, keys as the long
//! flags with `_` for `-`); a flag on the command line wins over the file.

use clap::{Args, Parser, Subcommand};
use mindnet_client::keys::Key;
use mindnet_client::wallet::WalletDir;
use mindnet_learner::axon::ServeMode;
use mindnet_learner::data::Shard;
use mindnet_learner::error::{Error, Result};
use mindnet_learner::model::ModelConfig;
use mindnet_learner::run::{self, NetworkOptions, Options};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "mindnet-learner",
    version,
    about = "The Mindnet peer: trains a language model, serves it to peers, scores them and sets weights"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Join a network: serve the axon, query peers, train, set weights.
    Run(Box<RunArgs>),
    /// Train the same model on the same data with no peers (a baseline and a benchmark).
    Alone(Box<TrainArgs>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DeviceKind {
    Cpu,
    Cuda,
}

/// Options of training, alone or not. Every one is optional here so that a config file can
/// supply it; the defaults are applied after merging.
#[derive(Args, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainArgs {
    /// A TOML file with any of these options.
    #[arg(long)]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// The text to train on (default: the bundled Shakespeare).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Which shard of the training text, INDEX/COUNT (default 0/1).
    #[arg(long)]
    shard: Option<String>,
    /// cpu or cuda (cuda needs a build with --features cuda).
    #[arg(long, value_enum)]
    device: Option<DeviceKind>,
    /// Rows per batch (default 32).
    #[arg(long)]
    batch: Option<usize>,
    /// Learning rate (default 0.003).
    #[arg(long)]
    lr: Option<f64>,
    /// Stop after this many steps in all (default: run until Ctrl-C; `alone`: 600).
    #[arg(long)]
    steps: Option<u64>,
    /// Evaluate every this many steps (default 100).
    #[arg(long)]
    eval_every: Option<u64>,
    /// Validation batches per evaluation (default 8).
    #[arg(long)]
    eval_batches: Option<usize>,
    /// Checkpoint file (safetensors); resumed from when it exists.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Checkpoint every this many steps (default 200).
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Seed (default 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the summary JSON here as well as to stdout.
    #[arg(long)]
    summary: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    train: TrainArgs,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Args, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetArgs {
    /// The node's WebSocket URL (default ws://127.0.0.1:9944).
    #[arg(long)]
    url: Option<String>,
    /// The network (default 0).
    #[arg(long)]
    netuid: Option<u16>,
    /// The wallet (coldkey name) whose hotkey the learner uses.
    #[arg(long)]
    wallet: Option<String>,
    /// The hotkey's name in the wallet (default "default").
    #[arg(long)]
    hotkey: Option<String>,
    /// A secret URI for the hotkey instead of a wallet (dev chains: //Alice//learner).
    #[arg(long)]
    suri: Option<String>,
    /// The wallet folder (default ~/.mindnet/wallets).
    #[arg(long)]
    wallet_dir: Option<PathBuf>,
    /// A file holding the hotkey's password (else $MINDNET_PASSWORD, else a prompt).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// The axon's port (default 8091).
    #[arg(long)]
    port: Option<u16>,
    /// The address the axon listens on (default 0.0.0.0).
    #[arg(long)]
    bind: Option<std::net::IpAddr>,
    /// The IP announced on chain (default 127.0.0.1; a public node needs its public IP).
    #[arg(long)]
    announce: Option<std::net::IpAddr>,
    /// What the axon answers: model, or noise (an adversary for experiments).
    #[arg(long, value_enum)]
    serve: Option<ServeMode>,
    /// Blocks between weight submissions (default 10).
    #[arg(long)]
    weights_every: Option<u64>,
    /// One peer query's deadline in milliseconds (default 2000).
    #[arg(long)]
    peer_timeout_ms: Option<u64>,
    /// Wait until this many peers serve axons on chain before training (default 0).
    #[arg(long)]
    min_peers: Option<usize>,
}

/// A config file: the training and network options in one table.
#[derive(Debug, Default)]
struct FileConfig {
    train: TrainArgs,
    net: NetArgs,
}

/// The config-file keys that are network options (the rest are training options).
const NET_KEYS: [&str; 14] = [
    "url",
    "netuid",
    "wallet",
    "hotkey",
    "suri",
    "wallet_dir",
    "password_file",
    "port",
    "bind",
    "announce",
    "serve",
    "weights_every",
    "peer_timeout_ms",
    "min_peers",
];

fn read_config(path: &Option<PathBuf>) -> Result<FileConfig> {
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
    let (net, train): (toml::Table, toml::Table) = table
        .into_iter()
        .partition(|(k, _)| NET_KEYS.contains(&k.as_str()));
    Ok(FileConfig {
        train: train.try_into().map_err(bad)?,
        net: net.try_into().map_err(bad)?,
    })
}

fn options(
    a: TrainArgs,
    f: TrainArgs,
    alone: bool,
) -> Result<(Options, DeviceKind, Option<PathBuf>)> {
    let shard: Shard = a
        .shard
        .or(f.shard)
        .unwrap_or_else(|| "0/1".into())
        .parse()?;
    let positive = |name: &str, v: u64| {
        if v == 0 {
            Err(Error::usage(format!("--{name} must be at least 1")))
        } else {
            Ok(v)
        }
    };
    let batch = positive("batch", a.batch.or(f.batch).unwrap_or(32) as u64)? as usize;
    let lr = a.lr.or(f.lr).unwrap_or(0.003);
    if !(lr.is_finite() && lr > 0.0) {
        return Err(Error::usage("--lr must be a positive number, e.g. 0.003"));
    }
    let opts = Options {
        data: a.data.or(f.data),
        shard,
        model: ModelConfig::default(),
        batch,
        lr,
        steps: a.steps.or(f.steps).or(alone.then_some(600)),
        eval_every: positive("eval-every", a.eval_every.or(f.eval_every).unwrap_or(100))?,
        eval_batches: positive(
            "eval-batches",
            a.eval_batches.or(f.eval_batches).unwrap_or(8) as u64,
        )? as usize,
        checkpoint: a.checkpoint.or(f.checkpoint),
        checkpoint_every: positive(
            "checkpoint-every",
            a.checkpoint_every.or(f.checkpoint_every).unwrap_or(200),
        )?,
        seed: a.seed.or(f.seed).unwrap_or(1),
        score_rate: 0.05,
        network: None,
    };
    Ok((
        opts,
        a.device.or(f.device).unwrap_or(DeviceKind::Cpu),
        a.summary.or(f.summary),
    ))
}

fn hotkey(a: NetArgs, f: &NetArgs) -> Result<Key> {
    if let Some(suri) = a.suri.or(f.suri.clone()) {
        return Key::from_suri(&suri);
    }
    let Some(wallet) = a.wallet.or(f.wallet.clone()) else {
        return Err(Error::usage(
            "no hotkey: give --wallet NAME (and --hotkey NAME) or --suri for a dev key",
        ));
    };
    let name = a
        .hotkey
        .or(f.hotkey.clone())
        .unwrap_or_else(|| "default".into());
    let w = WalletDir::new(a.wallet_dir.or(f.wallet_dir.clone()))?;
    let path = w.hotkey_path(&wallet, &name)?;
    let store = w.read(&path, &format!("hotkey {name} of wallet {wallet}"))?;
    let password = if store.is_encrypted() {
        Some(mindnet_client::wallet::password(
            a.password_file.or(f.password_file.clone()).as_deref(),
            &format!("password of hotkey {name}"),
            false,
        )?)
    } else {
        None
    };
    Key::from_keystore(&store, password.as_deref().map(|p| p.as_str()))
}

fn train(opts: Options, device: DeviceKind) -> Result<run::Summary> {
    match device {
        DeviceKind::Cpu => run::run::<mindnet_learner::CpuTrain>(opts, Default::default()),
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => {
            cuda_probe()?;
            run::run::<mindnet_learner::CudaTrain>(opts, Default::default())
        }
        #[cfg(not(feature = "cuda"))]
        DeviceKind::Cuda => Err(Error::usage(
            "this mindnet-learner was built without CUDA: rebuild with `cargo build --release -p mindnet-learner --features cuda`, or use --device cpu",
        )),
    }
}

/// Whether a CUDA device answers: a tiny tensor made and read back, with the backend's
/// panics (no driver, no device) turned into one sentence.
#[cfg(feature = "cuda")]
fn cuda_probe() -> Result<()> {
    use burn::tensor::Tensor;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| tracing::debug!("CUDA probe: {info}")));
    let ok = std::panic::catch_unwind(|| {
        let device = Default::default();
        let t = Tensor::<burn::backend::Cuda, 1>::from_floats([1.0, 2.0], &device);
        t.sum().into_scalar()
    });
    std::panic::set_hook(hook);
    match ok {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::usage(
            "--device cuda found no usable NVIDIA GPU (no CUDA driver libcuda, or no device; MINDNET_LOG=debug says which): use --device cpu",
        )),
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MINDNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = (|| -> Result<()> {
        let (summary, path) = match cli.command {
            Command::Alone(a) => {
                let f = read_config(&a.config)?;
                let (opts, device, path) = options(*a, f.train, true)?;
                (train(opts, device)?, path)
            }
            Command::Run(r) => {
                let r = *r;
                let f = read_config(&r.train.config)?;
                let (mut opts, device, path) = options(r.train, f.train, false)?;
                let fnet = f.net;
                let url = r
                    .net
                    .url
                    .clone()
                    .or(fnet.url.clone())
                    .unwrap_or_else(|| "ws://127.0.0.1:9944".into());
                let netuid = r.net.netuid.or(fnet.netuid).unwrap_or(0);
                let port = r.net.port.or(fnet.port).unwrap_or(8091);
                let bind = r
                    .net
                    .bind
                    .or(fnet.bind)
                    .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
                let announce = r
                    .net
                    .announce
                    .or(fnet.announce)
                    .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
                let serve = r.net.serve.or(fnet.serve).unwrap_or(ServeMode::Model);
                let weights_every = r
                    .net
                    .weights_every
                    .or(fnet.weights_every)
                    .unwrap_or(10)
                    .max(1);
                let peer_timeout = Duration::from_millis(
                    r.net
                        .peer_timeout_ms
                        .or(fnet.peer_timeout_ms)
                        .unwrap_or(2000)
                        .max(1),
                );
                let min_peers = r.net.min_peers.or(fnet.min_peers).unwrap_or(0);
                let key = hotkey(r.net, &fnet)?;
                tracing::info!(hotkey = %key.address(), netuid, "learner starting");
                opts.network = Some(NetworkOptions {
                    url,
                    netuid,
                    key,
                    bind: std::net::SocketAddr::new(bind, port),
                    announce,
                    serve,
                    weights_every,
                    peer_timeout,
                    chain_timeout: Duration::from_secs(20),
                    min_peers,
                });
                (train(opts, device)?, path)
            }
        };
        let json = serde_json::to_string_pretty(&summary)
            .map_err(|e| Error::internal(format!("summary: {e}")))?;
        println!("{json}");
        if let Some(p) = path {
            std::fs::write(&p, &json).map_err(|e| {
                Error::usage(format!("cannot write the summary {}: {e}", p.display()))
            })?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        eprintln!("error: {}", e.message);
        std::process::exit(e.exit_code());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (opts, _, _) = options(flags, f.train, false).unwrap();
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
        let err = options(
            TrainArgs {
                lr: Some(-1.0),
                ..Default::default()
            },
            TrainArgs::default(),
            true,
        )
        .unwrap_err()
        .message;
        assert!(err.contains("--lr"), "{err}");
    }
}
