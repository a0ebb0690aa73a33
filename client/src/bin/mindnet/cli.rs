//! The command line's shape.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The Mindnet wallet and command line.
#[derive(Parser, Debug)]
#[command(name = "mindnet", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str =
    "Exit codes: 0 success, 1 internal error, 2 bad input (nothing was submitted), \
3 node unreachable or timed out, 4 refused by the chain.";

/// Options every command takes.
#[derive(Args, Debug)]
pub struct Global {
    /// The node's RPC endpoint [default: the config file's url, else ws://127.0.0.1:9944].
    #[arg(long, global = true, env = "MINDNET_URL")]
    pub url: Option<String>,
    /// A config file of defaults: url, wallet, hotkey, netuid, wallet_dir [default:
    /// ~/.mindnet/config.toml when it exists].
    #[arg(long, global = true, env = "MINDNET_CONFIG")]
    pub config: Option<PathBuf>,
    /// Machine output: one JSON document on stdout, nothing else.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
    /// When a transaction counts as done.
    #[arg(long, global = true, value_enum, default_value_t = WaitFor::Finalized)]
    pub wait: WaitFor,
    /// Seconds to wait for the node on each step (a transaction may take four times this).
    #[arg(long, global = true, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Where wallets live.
    #[arg(long, global = true, env = "MINDNET_WALLET_DIR")]
    pub wallet_dir: Option<PathBuf>,
    /// A file holding the password of the key to open or create (else MINDNET_PASSWORD, else
    /// a prompt).
    #[arg(long, global = true)]
    pub password_file: Option<PathBuf>,
}

/// When a transaction counts as done.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum WaitFor {
    /// In a finalised block.
    Finalized,
    /// In a best block.
    Inclusion,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, import, export and list keys.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// The free and held balance of a wallet's coldkey or an address.
    #[command(
        after_help = "Examples:\n  mindnet balance --wallet me\n  mindnet balance 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    )]
    Balance(BalanceArgs),
    /// Send MIND from a wallet's coldkey.
    #[command(
        after_help = "Examples:\n  mindnet transfer --wallet me --to ADDRESS --amount 1.5\n  mindnet transfer --suri //Alice --to \"$(mindnet wallet address --name me)\" --amount 100 --yes"
    )]
    Transfer(TransferArgs),
    /// Register a wallet's hotkey on a network (the coldkey pays the fee, the hotkey consents).
    #[command(
        after_help = "Examples:\n  mindnet register --netuid 0 --wallet me --hotkey validator"
    )]
    Register(RegisterArgs),
    /// Add, remove or show stake.
    #[command(subcommand)]
    Stake(StakeCommand),
    /// Set a hotkey's weights, or show a neuron's.
    #[command(subcommand)]
    Weights(WeightsCommand),
    /// Show or set the share of a hotkey's emission its owner takes.
    #[command(subcommand)]
    Take(TakeCommand),
    /// Announce where a hotkey's learner serves.
    #[command(subcommand)]
    Axon(AxonCommand),
    /// A network's metagraph as a table.
    #[command(
        after_help = "Examples:\n  mindnet neurons --netuid 0 --sort emission --limit 20\n  mindnet neurons --netuid 0 --filter active --json\n  mindnet neurons --netuid 0 --filter coldkey=ADDRESS"
    )]
    Neurons(NeuronsArgs),
    /// What a wallet's hotkeys hold and earn on every network they are registered on.
    #[command(after_help = "Examples:\n  mindnet overview --wallet me")]
    Overview(OverviewArgs),
    /// List networks, show or set their parameters.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Serve a web page of the chain's live state: networks, the metagraph, a weights
    /// heatmap and trust graph, the running epoch, stake and emission over recent epochs,
    /// a learner's loss curve.
    #[command(
        after_help = "Examples:\n  mindnet dashboard                      # http://127.0.0.1:8700/\n  mindnet dashboard --port 9000 --learner-metrics http://127.0.0.1:8091/metrics --alone-summary alone.json"
    )]
    Dashboard(DashboardArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  mindnet completions bash > ~/.local/share/bash-completion/completions/mindnet"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Names a coldkey: a wallet's, or a secret URI.
#[derive(Args, Debug, Clone)]
pub struct Coldkey {
    /// The wallet whose coldkey signs [default: the config file's wallet].
    #[arg(long)]
    pub wallet: Option<String>,
    /// A secret URI that signs instead of a wallet's coldkey (dev chains: //Alice).
    #[arg(long, conflicts_with = "wallet")]
    pub suri: Option<String>,
}

/// Wallet commands.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a wallet (coldkey, encrypted) or add a hotkey to an existing one.
    #[command(
        after_help = "Examples:\n  mindnet wallet new --name me\n  mindnet wallet new --name me --hotkey validator --no-password"
    )]
    New {
        /// The wallet's name.
        #[arg(long)]
        name: String,
        /// Also create this hotkey (on an existing wallet, only the hotkey is created).
        #[arg(long)]
        hotkey: Option<String>,
        /// Words in the mnemonic: 12 or 24.
        #[arg(long, default_value_t = 12, value_parser = parse_words)]
        words: usize,
        /// Store the hotkey unencrypted, so a learner can use it unattended.
        #[arg(long, requires = "hotkey")]
        no_password: bool,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
    },
    /// Import a key from a mnemonic file or a Polkadot.js JSON keystore.
    #[command(
        after_help = "Examples:\n  mindnet wallet import --name me                       # asks for the mnemonic\n  mindnet wallet import --name me --mnemonic-file - < words.txt\n  mindnet wallet import --name me --keystore polkadot-js.json"
    )]
    Import {
        /// The wallet's name.
        #[arg(long)]
        name: String,
        /// A file holding the mnemonic (or secret URI); `-` reads it from stdin. With neither
        /// this nor --keystore, the mnemonic is asked for on the terminal (not echoed), or
        /// read from stdin when that is not a terminal.
        #[arg(long, conflicts_with = "keystore")]
        mnemonic_file: Option<PathBuf>,
        /// A Polkadot.js JSON keystore (its password: --password-file, MINDNET_PASSWORD or a prompt).
        #[arg(long)]
        keystore: Option<PathBuf>,
        /// Import as this hotkey instead of as the coldkey.
        #[arg(long)]
        hotkey: Option<String>,
        /// Store the imported hotkey unencrypted.
        #[arg(long, requires = "hotkey")]
        no_password: bool,
        /// Replace an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Print a key as a Polkadot.js JSON keystore.
    #[command(after_help = "Examples:\n  mindnet wallet export --name me > coldkey.json")]
    Export {
        /// The wallet's name.
        #[arg(long)]
        name: String,
        /// Export this hotkey instead of the coldkey.
        #[arg(long)]
        hotkey: Option<String>,
    },
    /// Print the address of a wallet's coldkey or one of its hotkeys.
    #[command(
        after_help = "Examples:\n  mindnet wallet address --name me\n  mindnet wallet address --name me --hotkey validator"
    )]
    Address {
        /// The wallet's name.
        #[arg(long)]
        name: String,
        /// This hotkey's address instead of the coldkey's.
        #[arg(long)]
        hotkey: Option<String>,
    },
    /// List wallets.
    #[command(after_help = "Examples:\n  mindnet wallet list")]
    List,
    /// A key's public facts: its address here (prefix 7734) and in the generic format
    /// (42), its public key; of a wallet's key file, whether it is encrypted. Nothing secret
    /// is shown, and no password is asked.
    #[command(
        after_help = "Examples:\n  mindnet wallet inspect --name me\n  mindnet wallet inspect --name me --hotkey validator\n  mindnet wallet inspect 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\n  mindnet wallet inspect --suri //Alice"
    )]
    Inspect {
        /// The wallet.
        #[arg(long, conflicts_with_all = ["suri", "address"])]
        name: Option<String>,
        /// This hotkey of the wallet instead of its coldkey.
        #[arg(long, requires = "name")]
        hotkey: Option<String>,
        /// A secret URI (dev chains: //Alice); only its public key is shown.
        #[arg(long, conflicts_with = "address")]
        suri: Option<String>,
        /// An address in any SS58 format, or 0x and 64 hex digits.
        address: Option<String>,
    },
    /// Show a wallet's keys.
    #[command(after_help = "Examples:\n  mindnet wallet show --name me")]
    Show {
        /// The wallet's name.
        #[arg(long)]
        name: String,
    },
    /// Sign a message as Polkadot.js's signRaw does (the bytes wrapped in <Bytes>…</Bytes>,
    /// so the signature can never pass for a transaction's).
    ///
    /// Example: mindnet wallet sign --name alice "I own this key"
    Sign {
        /// The wallet whose coldkey (or `--hotkey`) signs.
        #[arg(long, required_unless_present = "suri")]
        name: Option<String>,
        /// Sign with this hotkey of the wallet instead of its coldkey.
        #[arg(long, requires = "name")]
        hotkey: Option<String>,
        /// A secret URI that signs instead of a wallet (dev chains: //Alice).
        #[arg(long, conflicts_with_all = ["name", "hotkey"])]
        suri: Option<String>,
        /// The message: text, or bytes as 0x and hex.
        message: String,
    },
    /// Check that a signature is an address's over a message (wrapped in <Bytes>…</Bytes> as
    /// signRaw signs, or bare); exits 4 when it is not.
    ///
    /// Example: mindnet wallet verify --address ADDRESS --signature 0x… "I own this key"
    Verify {
        /// The signer's address (any SS58 prefix).
        #[arg(long)]
        address: String,
        /// The signature: 0x and 128 hex digits.
        #[arg(long)]
        signature: String,
        /// The message: text, or bytes as 0x and hex.
        message: String,
    },
}

/// `balance`.
#[derive(Args, Debug)]
pub struct BalanceArgs {
    /// The wallet whose coldkey to show [default: the config file's wallet].
    #[arg(long, conflicts_with_all = ["address", "suri"])]
    pub wallet: Option<String>,
    /// The account of a secret URI (dev chains: //Alice).
    #[arg(long, conflicts_with = "address")]
    pub suri: Option<String>,
    /// An address.
    pub address: Option<String>,
}

/// `transfer`.
#[derive(Args, Debug)]
pub struct TransferArgs {
    /// The sender.
    #[command(flatten)]
    pub from: Coldkey,
    /// The recipient's address.
    #[arg(long)]
    pub to: String,
    /// MIND to send (e.g. 1.5).
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
}

/// `register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// The network [default: the config file's netuid].
    #[arg(long)]
    pub netuid: Option<u16>,
    /// The coldkey that pays and will own the hotkey.
    #[command(flatten)]
    pub coldkey: Coldkey,
    /// The wallet's hotkey to register [default: the config file's hotkey].
    #[arg(long)]
    pub hotkey: Option<String>,
    /// A secret URI for the hotkey instead of a wallet's hotkey.
    #[arg(long, conflicts_with = "hotkey")]
    pub hotkey_suri: Option<String>,
}

/// Stake commands.
#[derive(Subcommand, Debug)]
pub enum StakeCommand {
    /// Stake MIND behind a hotkey (one of the wallet's, or any address to delegate).
    #[command(
        after_help = "Examples:\n  mindnet stake add --wallet me --hotkey validator --amount 50\n  mindnet stake add --wallet me --hotkey ADDRESS --amount 10   # delegate"
    )]
    Add(StakeArgs),
    /// Withdraw stake from behind a hotkey.
    #[command(
        after_help = "Examples:\n  mindnet stake remove --wallet me --hotkey validator --amount 5\n  mindnet stake remove --wallet me --hotkey validator --all"
    )]
    Remove(StakeArgs),
    /// Stake of a wallet's coldkey behind its hotkeys, or all stake behind a hotkey.
    #[command(
        after_help = "Examples:\n  mindnet stake show --wallet me\n  mindnet stake show --coldkey ADDRESS\n  mindnet stake show --hotkey ADDRESS"
    )]
    Show {
        /// The wallet [default: the config file's wallet].
        #[arg(long, conflicts_with_all = ["hotkey", "suri", "coldkey"])]
        wallet: Option<String>,
        /// A hotkey address: all stake behind it.
        #[arg(long, conflicts_with_all = ["suri", "coldkey"])]
        hotkey: Option<String>,
        /// Any coldkey address: every position it holds.
        #[arg(long, conflicts_with = "suri")]
        coldkey: Option<String>,
        /// The coldkey of a secret URI (dev chains: //Alice), instead of a wallet's.
        #[arg(long)]
        suri: Option<String>,
    },
}

/// `stake add|remove`.
#[derive(Args, Debug)]
pub struct StakeArgs {
    /// The network [default: the config file's netuid, else 0].
    #[arg(long)]
    pub netuid: Option<u16>,
    /// The coldkey whose balance is staked.
    #[command(flatten)]
    pub coldkey: Coldkey,
    /// The hotkey: a hotkey name of the wallet, or an address [default: the config file's
    /// hotkey].
    #[arg(long)]
    pub hotkey: Option<String>,
    /// MIND to stake or withdraw (e.g. 1.5).
    #[arg(long, allow_hyphen_values = true, required_unless_present = "all")]
    pub amount: Option<String>,
    /// `stake remove` only: withdraw the whole position, however much it has grown by the
    /// block the transaction lands in.
    #[arg(long, conflicts_with = "amount")]
    pub all: bool,
}

/// Names the hotkey that signs: a wallet's, or a secret URI.
#[derive(Args, Debug, Clone)]
pub struct Hotkey {
    /// The wallet [default: the config file's wallet].
    #[arg(long)]
    pub wallet: Option<String>,
    /// The wallet's hotkey that signs [default: the config file's hotkey].
    #[arg(long)]
    pub hotkey: Option<String>,
    /// A secret URI that signs instead of a wallet's hotkey.
    #[arg(long, conflicts_with_all = ["wallet", "hotkey"])]
    pub suri: Option<String>,
}

/// Weight commands.
#[derive(Subcommand, Debug)]
pub enum WeightsCommand {
    /// Set the hotkey's weights: `uid=weight` entries, scaled so the largest is 65535.
    ///
    /// On a network with commit-reveal it commits to the row (keeping its salt in the
    /// wallet folder's `.commits/`), waits for the reveal window and reveals it; with
    /// `--no-wait` it only commits, and `weights reveal` reveals later.
    #[command(
        after_help = "Examples:\n  mindnet weights set --netuid 0 --wallet me --hotkey validator 3=0.5 7=0.25 9=0.25\n  mindnet weights set --netuid 0 --wallet me --hotkey validator --file weights.json\n  mindnet weights set --netuid 0 --wallet me --hotkey validator --no-wait 3=1"
    )]
    Set {
        /// On a commit-reveal network, commit only: reveal later with `weights reveal`.
        #[arg(long)]
        no_wait: bool,
        /// The network [default: the config file's netuid].
        #[arg(long)]
        netuid: Option<u16>,
        /// The hotkey that sets them.
        #[command(flatten)]
        signer: Hotkey,
        /// A file of `uid=weight` entries or a JSON object `{"uid": weight}`.
        #[arg(long, conflicts_with = "entries")]
        file: Option<PathBuf>,
        /// `uid=weight` entries, e.g. 3=0.5 7=0.25 9=0.25.
        #[arg(required_unless_present = "file")]
        entries: Vec<String>,
    },
    /// Reveal the hotkey's commits that are due (commit-reveal networks), and say what
    /// became of the others: waiting for their window, expired, or gone.
    #[command(
        after_help = "Examples:\n  mindnet weights reveal --netuid 0 --wallet me --hotkey validator"
    )]
    Reveal {
        /// The network [default: the config file's netuid].
        #[arg(long)]
        netuid: Option<u16>,
        /// The hotkey that committed.
        #[command(flatten)]
        signer: Hotkey,
    },
    /// Show a neuron's weights as the chain stores them: each uid, its value and its share.
    #[command(
        after_help = "Examples:\n  mindnet weights show --netuid 0 --uid 3\n  mindnet weights show --netuid 0 --hotkey ADDRESS"
    )]
    Show {
        /// The network [default: the config file's netuid].
        #[arg(long)]
        netuid: Option<u16>,
        /// The neuron's uid.
        #[arg(long, required_unless_present = "hotkey", conflicts_with = "hotkey")]
        uid: Option<u16>,
        /// The neuron's hotkey address.
        #[arg(long)]
        hotkey: Option<String>,
    },
}

/// Take commands.
#[derive(Subcommand, Debug)]
pub enum TakeCommand {
    /// A hotkey's take, and what each network it has stake on caps it at.
    #[command(
        after_help = "Examples:\n  mindnet take show --wallet me --hotkey validator\n  mindnet take show --hotkey ADDRESS"
    )]
    Show {
        /// The hotkey: an address, or a hotkey name of `--wallet`.
        #[arg(long)]
        hotkey: String,
        /// The wallet whose hotkey `--hotkey` names.
        #[arg(long)]
        wallet: Option<String>,
    },
    /// Set the take of one of the coldkey's hotkeys (signed by the coldkey that owns it).
    #[command(
        after_help = "Examples:\n  mindnet take set --wallet me --hotkey validator --take 9%"
    )]
    Set {
        /// The coldkey that owns the hotkey.
        #[command(flatten)]
        coldkey: Coldkey,
        /// The hotkey: a hotkey name of the wallet, or an address.
        #[arg(long)]
        hotkey: String,
        /// The take: a percentage (`9%`) or a fraction (`0.09`), from 0 to 100 %.
        #[arg(long)]
        take: String,
    },
}

/// Axon commands.
#[derive(Subcommand, Debug)]
pub enum AxonCommand {
    /// Announce the hotkey's endpoint on a network.
    #[command(
        after_help = "Examples:\n  mindnet axon serve --netuid 0 --wallet me --hotkey miner --ip 203.0.113.7 --port 8091"
    )]
    Serve {
        /// The network [default: the config file's netuid].
        #[arg(long)]
        netuid: Option<u16>,
        /// The hotkey that serves.
        #[command(flatten)]
        signer: Hotkey,
        /// Its public IP address (IPv4 or IPv6).
        #[arg(long)]
        ip: std::net::IpAddr,
        /// Its port.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// The protocol number it speaks.
        #[arg(long, default_value_t = 0)]
        protocol: u8,
    },
}

/// Columns `neurons` sorts by.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Column {
    /// uid.
    Uid,
    /// stake.
    Stake,
    /// rank.
    Rank,
    /// trust.
    Trust,
    /// consensus.
    Consensus,
    /// incentive.
    Incentive,
    /// dividends.
    Dividends,
    /// emission.
    Emission,
}

/// `neurons`.
#[derive(Args, Debug)]
pub struct NeuronsArgs {
    /// The network [default: the config file's netuid].
    #[arg(long)]
    pub netuid: Option<u16>,
    /// The column to sort by (largest first, except uid).
    #[arg(long, value_enum, default_value_t = Column::Uid)]
    pub sort: Column,
    /// Show at most this many neurons (after sorting and filtering).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Skip this many neurons first (after sorting and filtering).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Only the neurons that match: `active`, `inactive`, `hotkey=ADDRESS` or
    /// `coldkey=ADDRESS`.
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
}

/// `overview`.
#[derive(Args, Debug)]
pub struct OverviewArgs {
    /// The wallet [default: the config file's wallet].
    #[arg(long)]
    pub wallet: Option<String>,
}

/// `dashboard`.
#[derive(Args, Debug)]
pub struct DashboardArgs {
    /// The port to serve on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8700)]
    pub port: u16,
    /// The address to serve on: loopback by default, so only this machine sees it.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// A learner's metrics (`http://HOST:PORT/metrics`): its validation loss is plotted as
    /// it trains.
    #[arg(long)]
    pub learner_metrics: Option<String>,
    /// A learner's summary JSON (`mindnet-learner run --summary FILE`): its loss curve.
    #[arg(long)]
    pub learner_summary: Option<PathBuf>,
    /// The summary JSON of `mindnet-learner alone`: the baseline curve.
    #[arg(long)]
    pub alone_summary: Option<PathBuf>,
}

/// Network commands.
#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// The networks, their neuron counts and tempos.
    #[command(after_help = "Examples:\n  mindnet network list")]
    List,
    /// A network's parameters.
    #[command(after_help = "Examples:\n  mindnet network params --netuid 0")]
    Params {
        /// The network.
        #[arg(long)]
        netuid: u16,
    },
    /// Create a network with default parameters (signed by the sudo key).
    #[command(after_help = "Examples:\n  mindnet network create --netuid 1 --suri //Alice")]
    Create {
        /// The new network's id.
        #[arg(long)]
        netuid: u16,
        /// The sudo key.
        #[command(flatten)]
        sudo: Coldkey,
    },
    /// Set a network parameter (signed by the sudo key).
    #[command(
        after_help = "Examples:\n  mindnet network set --netuid 0 --suri //Alice tempo 20\n  mindnet network set --netuid 0 --suri //Alice kappa 50%"
    )]
    Set {
        /// The network.
        #[arg(long)]
        netuid: u16,
        /// The sudo key.
        #[command(flatten)]
        sudo: Coldkey,
        /// The parameter, as `network params` names it (e.g. tempo).
        param: String,
        /// Its new value (fractions as 0.5 or 50%, amounts in MIND).
        value: String,
    },
}

fn parse_words(text: &str) -> Result<usize, String> {
    match text {
        "12" => Ok(12),
        "24" => Ok(24),
        _ => Err("a mnemonic has 12 or 24 words".to_string()),
    }
}
