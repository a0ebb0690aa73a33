//! What every command works with besides its own arguments: the global options, the wallet
//! directory, keys opened from either, and confirmation before signing.

use crate::cli::{Coldkey, Global, Hotkey, WaitFor};
use mindnet_client::config::Config;
use mindnet_client::keys::{parse_account, ss58_decode};
use mindnet_client::wallet::WalletDir;
use mindnet_client::{Client, Error, Included, Key, Keystore, Result, Wait};
use std::io::{IsTerminal, Write};
use std::time::Duration;
use subxt::utils::AccountId32;
use zeroize::Zeroizing;

/// Everything a command needs besides its own arguments.
pub struct Ctx {
    /// The options every command takes.
    pub global: Global,
    /// Where wallets live.
    pub wallets: WalletDir,
    /// The config file's defaults (flags and environment variables win).
    pub config: Config,
}

/// The URL when neither `--url`, `MINDNET_URL` nor the config file gives one.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:9944";

impl Ctx {
    /// The context of `global`'s options.
    pub fn new(global: Global) -> Result<Self> {
        let config = Config::load(global.config.as_deref())?;
        Ok(Self {
            wallets: WalletDir::new(global.wallet_dir.clone().or(config.wallet_dir.clone()))?,
            global,
            config,
        })
    }

    /// The node's URL: `--url`, `MINDNET_URL`, the config file's, or the local default.
    pub fn url(&self) -> &str {
        self.global
            .url
            .as_deref()
            .or(self.config.url.as_deref())
            .unwrap_or(DEFAULT_URL)
    }

    /// The network: `--netuid`, else the config file's.
    pub fn netuid(&self, flag: Option<u16>) -> Result<u16> {
        flag.or(self.config.netuid).ok_or_else(|| {
            Error::usage("say which network: --netuid N (or netuid = N in ~/.mindnet/config.toml)")
        })
    }

    /// The wallet: `--wallet`, else the config file's.
    pub fn wallet_name(&self, flag: Option<&str>) -> Option<String> {
        flag.map(str::to_string).or(self.config.wallet.clone())
    }

    /// The hotkey name: `--hotkey`, else the config file's.
    pub fn hotkey_name(&self, flag: Option<&str>) -> Option<String> {
        flag.map(str::to_string).or(self.config.hotkey.clone())
    }

    fn wait(&self) -> Wait {
        match self.global.wait {
            WaitFor::Finalized => Wait::Finalized,
            WaitFor::Inclusion => Wait::Inclusion,
        }
    }

    /// A connection to `--url`, with `--timeout`.
    pub async fn connect(&self) -> Result<Client> {
        Client::connect(self.url(), Duration::from_secs(self.global.timeout)).await
    }

    /// The password from `--password-file`, `MINDNET_PASSWORD` or a prompt.
    pub fn password(&self, prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
        mindnet_client::wallet::password(self.global.password_file.as_deref(), prompt, confirm)
    }

    /// Opens a keystore file, asking for its password if it is encrypted.
    fn open(&self, store: &Keystore, what: &str) -> Result<Key> {
        if store.is_encrypted() {
            let password = self.password(&format!("password of {what}"), false)?;
            Key::from_keystore(store, Some(&password))
        } else {
            Key::from_keystore(store, None)
        }
    }

    /// The signing coldkey: a secret URI's, or a wallet's (asking for its password).
    pub fn coldkey(&self, c: &Coldkey) -> Result<Key> {
        match (&c.suri, self.wallet_name(c.wallet.as_deref())) {
            (Some(suri), _) => Key::from_suri(suri),
            (None, Some(wallet)) => {
                let wallet = &wallet;
                let path = self.wallets.coldkey_path(wallet)?;
                let store = self
                    .wallets
                    .read(&path, &format!("coldkey of wallet {wallet:?}"))?;
                self.open(&store, &format!("wallet {wallet:?}'s coldkey"))
            }
            (None, None) => Err(Error::usage(
                "name the signing key: --wallet W or --suri URI (or wallet = \"W\" in ~/.mindnet/config.toml)",
            )),
        }
    }

    /// Hotkey `hotkey` of `wallet`, opened (asking for its password).
    pub fn wallet_hotkey(&self, wallet: &str, hotkey: &str) -> Result<Key> {
        let path = self.wallets.hotkey_path(wallet, hotkey)?;
        let store = self
            .wallets
            .read(&path, &format!("hotkey {hotkey:?} in wallet {wallet:?}"))?;
        self.open(&store, &format!("hotkey {hotkey:?}"))
    }

    /// The signing hotkey: a secret URI's, or a wallet's.
    pub fn hotkey(&self, h: &Hotkey) -> Result<Key> {
        let wallet = self.wallet_name(h.wallet.as_deref());
        let hotkey = self.hotkey_name(h.hotkey.as_deref());
        match (&h.suri, wallet, hotkey) {
            (Some(suri), _, _) => Key::from_suri(suri),
            (None, Some(w), Some(k)) => self.wallet_hotkey(&w, &k),
            _ => Err(Error::usage(
                "name the signing hotkey: --wallet W --hotkey H, or --suri URI (or wallet and hotkey in ~/.mindnet/config.toml)",
            )),
        }
    }

    /// The address of a wallet's coldkey (no password needed).
    pub fn coldkey_address(&self, wallet: &str) -> Result<AccountId32> {
        let path = self.wallets.coldkey_path(wallet)?;
        parse_account(
            &self
                .wallets
                .read(&path, &format!("coldkey of wallet {wallet:?}"))?
                .address,
        )
    }

    /// A hotkey named by address, or by name in `wallet`.
    pub fn hotkey_address(&self, wallet: Option<&str>, hotkey: &str) -> Result<AccountId32> {
        if let Ok(id) = ss58_decode(hotkey) {
            return Ok(AccountId32(id));
        }
        let wallet = self.wallet_name(wallet);
        let wallet = wallet.as_deref().ok_or_else(|| {
            Error::usage(format!(
                "{hotkey:?} is not an address: give a hotkey address, or --wallet with one of its hotkey names"
            ))
        })?;
        let path = self.wallets.hotkey_path(wallet, hotkey)?;
        parse_account(
            &self
                .wallets
                .read(&path, &format!("hotkey {hotkey:?} in wallet {wallet:?}"))?
                .address,
        )
    }

    /// Signs, submits and waits as `--wait` says, with progress on stderr.
    pub async fn send<Call: subxt::transactions::Payload>(
        &self,
        client: &Client,
        what: &str,
        call: &Call,
        signer: &Key,
    ) -> Result<Included> {
        client
            .submit(what, call, signer, self.wait(), &mut |line: &str| {
                eprintln!("… {line}")
            })
            .await
    }

    /// Asks before signing, unless `--yes`.
    pub fn confirm(&self, question: &str) -> Result<()> {
        if self.global.yes {
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage(format!(
                "{question} needs confirmation but there is no terminal to ask on: pass --yes"
            )));
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Error::usage(format!("cannot read the answer: {e}")))?;
        if matches!(answer.trim(), "y" | "Y" | "yes") {
            Ok(())
        } else {
            Err(Error::usage("cancelled: nothing was submitted"))
        }
    }
}
