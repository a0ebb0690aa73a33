//! `~/.mindnet/config.toml`: the defaults `mindnet` and `mindnet-learner` take for the
//! node, the wallet, its hotkey and the network, so commands stay short.
//!
//! ```toml
//! url = "ws://127.0.0.1:9944"
//! wallet = "me"
//! hotkey = "validator"
//! netuid = 0
//! wallet_dir = "/home/me/.mindnet/wallets"
//! ```
//!
//! Every key is optional. A flag wins over its environment variable, which wins over the
//! file. The file is `--config PATH`, else `$MINDNET_CONFIG`, else
//! `~/.mindnet/config.toml` when it exists; a file named explicitly must exist, and an
//! unknown key or a malformed value is an error, not a silent default.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The config file's keys.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The node's RPC endpoint.
    pub url: Option<String>,
    /// The wallet that signs when a command names none.
    pub wallet: Option<String>,
    /// The wallet's hotkey that signs when a command names none.
    pub hotkey: Option<String>,
    /// The network when a command names none.
    pub netuid: Option<u16>,
    /// Where wallets live.
    pub wallet_dir: Option<PathBuf>,
}

/// The environment variable that names the config file.
pub const CONFIG_ENV: &str = "MINDNET_CONFIG";

/// `~/.mindnet/config.toml`, if `HOME` is set.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".mindnet").join("config.toml"))
}

impl Config {
    /// The config file `explicit` (`--config`), else `$MINDNET_CONFIG`, else
    /// `~/.mindnet/config.toml` if it exists; no file: every key unset.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let named = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from));
        match named {
            Some(path) => Self::read(&path),
            None => match default_path() {
                Some(path) if path.is_file() => Self::read(&path),
                _ => Ok(Self::default()),
            },
        }
    }

    /// Reads and checks the file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::usage(format!(
                "cannot read the config file {} ({e}): create it, or pass --config with another",
                path.display()
            ))
        })?;
        Self::parse(&text).map_err(|e| {
            Error::usage(format!(
                "the config file {} is malformed: {e}; its keys are url, wallet, hotkey, netuid and wallet_dir",
                path.display()
            ))
        })
    }

    /// The keys in `text`, or what is wrong with them.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().trim_end().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_unknown_ones_are_refused() {
        let c = Config::parse("url = \"ws://h:1\"\nwallet = \"me\"\nnetuid = 3\n").unwrap();
        assert_eq!(c.url.as_deref(), Some("ws://h:1"));
        assert_eq!(c.wallet.as_deref(), Some("me"));
        assert_eq!(c.netuid, Some(3));
        assert_eq!(c.hotkey, None);
        assert!(Config::parse("walet = \"me\"")
            .unwrap_err()
            .contains("walet"));
        assert!(Config::parse("netuid = 70000").is_err());
        assert!(Config::parse("netuid = \"zero\"").is_err());
    }

    #[test]
    fn a_named_file_must_exist_and_be_well_formed() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let e = Config::load(Some(&missing)).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("cannot read the config file"));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "netuid = -1\n").unwrap();
        assert!(Config::load(Some(&bad))
            .unwrap_err()
            .to_string()
            .contains("malformed"));
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "hotkey = \"h\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&good)).unwrap().hotkey.as_deref(),
            Some("h")
        );
    }
}
