//! What each command does.

use crate::cli::*;
use crate::output::{table, Output};
use clap::CommandFactory;
use mindnet_client::amount::{format_mind, parse_mind};
use mindnet_client::keys::{address_of, ss58_decode};
use mindnet_client::runtime;
use mindnet_client::wallet::WalletDir;
use mindnet_client::weights::{parse_row, to_chain_row};
use mindnet_client::{Client, Error, Key, Keystore, Result, Wait};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::time::Duration;
use subxt::utils::{AccountId32, MultiAddress};
use zeroize::Zeroizing;

/// Everything a command needs besides its own arguments.
struct Ctx {
    global: Global,
    wallets: WalletDir,
}

/// Base units as JSON: a number, or a string past `u64`.
fn units(v: u128) -> Value {
    u64::try_from(v)
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(v.to_string()))
}

fn account(address: &str) -> Result<AccountId32> {
    Ok(AccountId32(ss58_decode(address)?))
}

impl Ctx {
    fn wait(&self) -> Wait {
        match self.global.wait {
            WaitFor::Finalized => Wait::Finalized,
            WaitFor::Inclusion => Wait::Inclusion,
        }
    }

    async fn connect(&self) -> Result<Client> {
        Client::connect(&self.global.url, Duration::from_secs(self.global.timeout)).await
    }

    /// The password from `--password-file`, `MINDNET_PASSWORD` or a prompt.
    fn password(&self, prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
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

    fn coldkey(&self, c: &Coldkey) -> Result<Key> {
        match (&c.suri, &c.wallet) {
            (Some(suri), _) => Key::from_suri(suri),
            (None, Some(wallet)) => {
                let path = self.wallets.coldkey_path(wallet)?;
                let store = self
                    .wallets
                    .read(&path, &format!("coldkey of wallet {wallet:?}"))?;
                self.open(&store, &format!("wallet {wallet:?}'s coldkey"))
            }
            (None, None) => Err(Error::usage(
                "name the signing key: --wallet W or --suri URI",
            )),
        }
    }

    fn wallet_hotkey(&self, wallet: &str, hotkey: &str) -> Result<Key> {
        let path = self.wallets.hotkey_path(wallet, hotkey)?;
        let store = self
            .wallets
            .read(&path, &format!("hotkey {hotkey:?} in wallet {wallet:?}"))?;
        self.open(&store, &format!("hotkey {hotkey:?}"))
    }

    fn hotkey(&self, h: &Hotkey) -> Result<Key> {
        match (&h.suri, &h.wallet, &h.hotkey) {
            (Some(suri), _, _) => Key::from_suri(suri),
            (None, Some(w), Some(k)) => self.wallet_hotkey(w, k),
            _ => Err(Error::usage(
                "name the signing hotkey: --wallet W --hotkey H, or --suri URI",
            )),
        }
    }

    /// The address of a wallet's coldkey (no password needed).
    fn coldkey_address(&self, wallet: &str) -> Result<AccountId32> {
        let path = self.wallets.coldkey_path(wallet)?;
        account(
            &self
                .wallets
                .read(&path, &format!("coldkey of wallet {wallet:?}"))?
                .address,
        )
    }

    /// A hotkey named by address, or by name in `wallet`.
    fn hotkey_address(&self, wallet: Option<&str>, hotkey: &str) -> Result<AccountId32> {
        if let Ok(id) = ss58_decode(hotkey) {
            return Ok(AccountId32(id));
        }
        let wallet = wallet.ok_or_else(|| {
            Error::usage(format!(
                "{hotkey:?} is not an address: give a hotkey address, or --wallet with one of its hotkey names"
            ))
        })?;
        let path = self.wallets.hotkey_path(wallet, hotkey)?;
        account(
            &self
                .wallets
                .read(&path, &format!("hotkey {hotkey:?} in wallet {wallet:?}"))?
                .address,
        )
    }

    /// Signs, submits and waits as `--wait` says, with progress on stderr.
    async fn send<Call: subxt::transactions::Payload>(
        &self,
        client: &Client,
        what: &str,
        call: &Call,
        signer: &Key,
    ) -> Result<mindnet_client::Included> {
        client
            .submit(what, call, signer, self.wait(), &mut |line: &str| {
                eprintln!("… {line}")
            })
            .await
    }

    /// Asks before signing, unless `--yes`.
    fn confirm(&self, question: &str) -> Result<()> {
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

/// The uid `hotkey` holds on `netuid`, or a usage error saying to register it.
async fn require_uid(client: &Client, netuid: u16, hotkey: &AccountId32) -> Result<u16> {
    client.uid_of(netuid, hotkey).await?.ok_or_else(|| {
        Error::usage(format!(
            "hotkey {} holds no uid on network {netuid}: register it first (mindnet register)",
            address_of(hotkey)
        ))
    })
}

fn included_json(inc: &mindnet_client::Included) -> Value {
    json!({
        "extrinsic": inc.extrinsic,
        "block": inc.block,
        "fee": inc.fee.map(units),
        "events": inc.events,
    })
}

fn fee_text(inc: &mindnet_client::Included) -> String {
    inc.fee
        .map(|f| format!(" (fee {} MIND)", format_mind(f)))
        .unwrap_or_default()
}

/// Runs the command.
pub async fn run(cli: Cli) -> Result<Output> {
    let ctx = Ctx {
        wallets: WalletDir::new(cli.global.wallet_dir.clone())?,
        global: cli.global,
    };
    match cli.command {
        Command::Wallet(c) => wallet(&ctx, c),
        Command::Balance(a) => balance(&ctx, a).await,
        Command::Transfer(a) => transfer(&ctx, a).await,
        Command::Register(a) => register(&ctx, a).await,
        Command::Stake(c) => stake(&ctx, c).await,
        Command::Weights(WeightsCommand::Set {
            netuid,
            signer,
            file,
            entries,
        }) => set_weights(&ctx, netuid, signer, file, entries).await,
        Command::Axon(AxonCommand::Serve {
            netuid,
            signer,
            ip,
            port,
            protocol,
        }) => serve_axon(&ctx, netuid, signer, ip, port, protocol).await,
        Command::Neurons(a) => neurons(&ctx, a).await,
        Command::Network(c) => network(&ctx, c).await,
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mindnet", &mut out);
            let script = String::from_utf8_lossy(&out).to_string();
            Ok(Output::new(
                script.clone(),
                json!({ "shell": shell.to_string(), "script": script }),
            ))
        }
    }
}

fn key_json(key: &Key, path: &std::path::Path, mnemonic: Option<&str>, encrypted: bool) -> Value {
    json!({
        "address": key.address(),
        "path": path.display().to_string(),
        "encrypted": encrypted,
        "mnemonic": mnemonic,
    })
}

fn wallet(ctx: &Ctx, command: WalletCommand) -> Result<Output> {
    let w = &ctx.wallets;
    match command {
        WalletCommand::New {
            name,
            hotkey,
            words,
            no_password,
            force,
        } => {
            let cold_path = w.coldkey_path(&name)?;
            let hot_path = hotkey
                .as_deref()
                .map(|h| w.hotkey_path(&name, h))
                .transpose()?;
            if let Some(p) = &hot_path {
                if p.exists() && !force {
                    return Err(Error::usage(format!(
                        "hotkey {:?} exists already in wallet {name:?}: choose another name, or pass --force to replace it",
                        hotkey.unwrap_or_default()
                    )));
                }
            }
            let create_cold = !cold_path.exists() || (force && hot_path.is_none());
            if cold_path.exists() && hot_path.is_none() && !force {
                return Err(Error::usage(format!(
                    "wallet {name:?} exists already: pass --hotkey H to add a hotkey, or --force to replace its coldkey"
                )));
            }
            let mut human = String::new();
            let mut out = json!({ "wallet": name });
            // Ask for passwords before writing anything.
            let cold_password = if create_cold {
                Some(ctx.password(&format!("new password for wallet {name:?}'s coldkey"), true)?)
            } else {
                None
            };
            let hot_password = match (&hot_path, no_password) {
                (Some(_), false) => match &cold_password {
                    Some(p) => Some(p.clone()),
                    None => Some(ctx.password("new password for the hotkey", true)?),
                },
                _ => None,
            };
            if let Some(password) = &cold_password {
                let (key, phrase) = Key::generate(words)?;
                w.write(&cold_path, &key.to_keystore(Some(password), &name)?, force)?;
                human.push_str(&format!(
                    "coldkey {} (encrypted) written to {}\nits mnemonic, the only way to restore it; write it down and keep it offline:\n  {}\n",
                    key.address(),
                    cold_path.display(),
                    *phrase
                ));
                out["coldkey"] = key_json(&key, &cold_path, Some(&phrase), true);
            }
            if let (Some(path), Some(hot)) = (&hot_path, &hotkey) {
                let (key, phrase) = Key::generate(words)?;
                let store = key.to_keystore(hot_password.as_deref().map(|p| p.as_str()), hot)?;
                w.write(path, &store, force)?;
                human.push_str(&format!(
                    "hotkey {hot:?} {} ({}) written to {}\nits mnemonic:\n  {}\n",
                    key.address(),
                    if no_password {
                        "unencrypted"
                    } else {
                        "encrypted"
                    },
                    path.display(),
                    *phrase
                ));
                out["hotkey"] = key_json(&key, path, Some(&phrase), !no_password);
            }
            Ok(Output::new(human, out))
        }
        WalletCommand::Import {
            name,
            mnemonic_file,
            keystore,
            hotkey,
            no_password,
            force,
        } => {
            let (key, source_password) = match (&mnemonic_file, &keystore) {
                (Some(file), _) => {
                    let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
                        Error::usage(format!("cannot read {}: {e}", file.display()))
                    })?);
                    (Key::from_suri(text.trim())?, None)
                }
                (None, Some(file)) => {
                    let text = std::fs::read_to_string(file).map_err(|e| {
                        Error::usage(format!("cannot read {}: {e}", file.display()))
                    })?;
                    let store = Keystore::parse(&text)?;
                    if store.is_encrypted() {
                        let p = ctx.password(&format!("password of {}", file.display()), false)?;
                        (Key::from_keystore(&store, Some(&p))?, Some(p))
                    } else {
                        (Key::from_keystore(&store, None)?, None)
                    }
                }
                (None, None) => {
                    return Err(Error::usage("give --mnemonic-file FILE or --keystore FILE"))
                }
            };
            let (path, label, encrypt) = match &hotkey {
                Some(h) => (
                    w.hotkey_path(&name, h)?,
                    format!("hotkey {h:?}"),
                    !no_password,
                ),
                None => (w.coldkey_path(&name)?, "coldkey".to_string(), true),
            };
            let password = if encrypt {
                Some(match source_password {
                    Some(p) => p,
                    None => {
                        ctx.password(&format!("new password for the imported {label}"), true)?
                    }
                })
            } else {
                None
            };
            let store = key.to_keystore(
                password.as_deref().map(|p| p.as_str()),
                hotkey.as_deref().unwrap_or(&name),
            )?;
            w.write(&path, &store, force)?;
            Ok(Output::new(
                format!(
                    "imported {label} {} into wallet {name:?} ({})",
                    key.address(),
                    path.display()
                ),
                json!({ "wallet": name, "key": key_json(&key, &path, None, encrypt) }),
            ))
        }
        WalletCommand::Export { name, hotkey } => {
            let path = match &hotkey {
                Some(h) => w.hotkey_path(&name, h)?,
                None => w.coldkey_path(&name)?,
            };
            let store = w.read(&path, "key")?;
            let text = serde_json::to_string_pretty(&store)
                .map_err(|e| Error::internal(format!("encoding the keystore: {e}")))?;
            let value = serde_json::to_value(&store)
                .map_err(|e| Error::internal(format!("encoding the keystore: {e}")))?;
            Ok(Output::new(text, value))
        }
        WalletCommand::Address { name, hotkey } => {
            let path = match &hotkey {
                Some(h) => w.hotkey_path(&name, h)?,
                None => w.coldkey_path(&name)?,
            };
            let address = account(&w.read(&path, "key")?.address)?;
            let address = address_of(&address);
            Ok(Output::new(address.clone(), json!({ "address": address })))
        }
        WalletCommand::List => {
            let list = w.list()?;
            let mut human = format!("wallets in {}\n", w.root().display());
            for s in &list {
                human.push_str(&format!(
                    "{}  coldkey {}\n",
                    s.name,
                    s.coldkey.as_deref().unwrap_or("(none)")
                ));
                for h in &s.hotkeys {
                    human.push_str(&format!("  hotkey {}  {}\n", h.name, h.address));
                }
            }
            let value = serde_json::to_value(&list)
                .map_err(|e| Error::internal(format!("encoding the list: {e}")))?;
            Ok(Output::new(human, value))
        }
        WalletCommand::Show { name } => {
            let s = w.summary(&name)?;
            let mut human = format!(
                "wallet {}\ncoldkey {}{}\n",
                s.name,
                s.coldkey.as_deref().unwrap_or("(none)"),
                if s.encrypted { " (encrypted)" } else { "" }
            );
            for h in &s.hotkeys {
                human.push_str(&format!(
                    "hotkey {}  {}{}\n",
                    h.name,
                    h.address,
                    if h.encrypted { " (encrypted)" } else { "" }
                ));
            }
            let value = serde_json::to_value(&s)
                .map_err(|e| Error::internal(format!("encoding the wallet: {e}")))?;
            Ok(Output::new(human, value))
        }
    }
}

async fn balance(ctx: &Ctx, a: BalanceArgs) -> Result<Output> {
    let who = match (&a.wallet, &a.suri, &a.address) {
        (Some(w), _, _) => ctx.coldkey_address(w)?,
        (None, Some(suri), _) => Key::from_suri(suri)?.account_id(),
        (None, None, Some(address)) => account(address)?,
        (None, None, None) => {
            return Err(Error::usage("give --wallet W, --suri URI or an address"))
        }
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

/// Fails before signing when `signer` cannot pay `amount` plus the fee of `call` and keep
/// its account alive (the existential deposit); returns the estimated fee.
async fn ensure_funds<Call: subxt::transactions::Payload>(
    client: &Client,
    call: &Call,
    signer: &Key,
    amount: u128,
) -> Result<u128> {
    let fee = client.estimate_fee(call, signer).await?;
    let ed = client.existential_deposit().await?;
    let (free, _) = client.balance(&signer.account_id()).await?;
    let needed = amount.saturating_add(ed).saturating_add(fee);
    if free < needed {
        return Err(Error::rejected(format!(
            "insufficient balance: {} has {} MIND free but this needs {} MIND (fee included); fund it first",
            signer.address(),
            format_mind(free),
            format_mind(needed)
        )));
    }
    Ok(fee)
}

async fn transfer(ctx: &Ctx, a: TransferArgs) -> Result<Output> {
    let amount = parse_mind(&a.amount)?;
    if amount == 0 {
        return Err(Error::usage("the amount is zero: send more than 0 MIND"));
    }
    let to = account(&a.to)?;
    let signer = ctx.coldkey(&a.from)?;
    let client = ctx.connect().await?;
    let call = runtime::tx()
        .balances()
        .transfer_keep_alive(MultiAddress::Id(to), amount);
    let fee = ensure_funds(&client, &call, &signer, amount).await?;
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

async fn register(ctx: &Ctx, a: RegisterArgs) -> Result<Output> {
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let hotkey = match (&a.hotkey_suri, &a.hotkey, &a.coldkey.wallet) {
        (Some(suri), _, _) => Key::from_suri(suri)?,
        (None, Some(h), Some(w)) => ctx.wallet_hotkey(w, h)?,
        _ => {
            return Err(Error::usage(
                "name the hotkey: --wallet W --hotkey H, or --hotkey-suri URI",
            ))
        }
    };
    let client = ctx.connect().await?;
    client.ensure_network(a.netuid).await?;
    if let Some(uid) = client.uid_of(a.netuid, &hotkey.account_id()).await? {
        return Err(Error::usage(format!(
            "hotkey {} is already registered on network {} with uid {uid}",
            hotkey.address(),
            a.netuid
        )));
    }
    if let Some(owner) = client.owner_of(&hotkey.account_id()).await? {
        if owner != coldkey.account_id() {
            return Err(Error::usage(format!(
                "hotkey {} belongs to coldkey {}: register it with that coldkey or use another hotkey",
                hotkey.address(),
                address_of(&owner)
            )));
        }
    }
    // The runtime learns the genesis hash (part of the consent) only in block 1.
    let mut best = client.best_number().await?;
    let waited = std::time::Instant::now();
    while best == 0 && waited.elapsed() < client.timeout() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        best = client.best_number().await?;
    }
    let deadline = best.saturating_add(100);
    let payload = client
        .registration_payload(a.netuid, &coldkey.account_id(), deadline)
        .await?;
    let signature =
        runtime::runtime_types::sp_runtime::MultiSignature::Sr25519(hotkey.sign(&payload));
    let call = runtime::tx()
        .mindnet()
        .register(a.netuid, hotkey.account_id(), deadline, signature);
    let params = client.network_params(a.netuid).await?;
    let reg_fee = params
        .iter()
        .find(|(n, _)| n == "registration_fee")
        .and_then(|(_, v)| v.as_u64())
        .map(u128::from)
        .unwrap_or(0);
    let fee = ensure_funds(&client, &call, &coldkey, reg_fee).await?;
    ctx.confirm(&format!(
        "register hotkey {} on network {} for {} MIND (burned) plus a fee of about {} MIND?",
        hotkey.address(),
        a.netuid,
        format_mind(reg_fee),
        format_mind(fee)
    ))?;
    let inc = ctx.send(&client, "register", &call, &coldkey).await?;
    let uid = client.uid_of(a.netuid, &hotkey.account_id()).await?;
    Ok(Output::new(
        format!(
            "hotkey {} registered on network {} with uid {}{}",
            hotkey.address(),
            a.netuid,
            uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into()),
            fee_text(&inc)
        ),
        json!({ "netuid": a.netuid, "hotkey": hotkey.address(), "coldkey": coldkey.address(), "uid": uid, "included": included_json(&inc) }),
    ))
}

async fn stake(ctx: &Ctx, command: StakeCommand) -> Result<Output> {
    let (adding, a) = match command {
        StakeCommand::Add(a) => (true, a),
        StakeCommand::Remove(a) => (false, a),
        StakeCommand::Show {
            wallet,
            hotkey,
            suri,
        } => return stake_show(ctx, wallet, hotkey, suri).await,
    };
    let amount = parse_mind(&a.amount)?;
    if amount == 0 {
        return Err(Error::usage("the amount is zero: give more than 0 MIND"));
    }
    let hotkey = ctx.hotkey_address(a.coldkey.wallet.as_deref(), &a.hotkey)?;
    let coldkey = ctx.coldkey(&a.coldkey)?;
    let client = ctx.connect().await?;
    client.ensure_network(a.netuid).await?;
    let verb = if adding { "stake" } else { "unstake" };
    let call_add = runtime::tx().mindnet().add_stake(a.netuid, hotkey, amount);
    let call_remove = runtime::tx()
        .mindnet()
        .remove_stake(a.netuid, hotkey, amount);
    if adding {
        require_uid(&client, a.netuid, &hotkey).await?;
        ensure_funds(&client, &call_add, &coldkey, amount).await?;
    } else {
        let have = client
            .stake_of(a.netuid, &hotkey, &coldkey.account_id())
            .await?;
        if have < amount {
            return Err(Error::rejected(format!(
                "{} has {} MIND staked behind {} on network {}, less than the {} MIND asked: see mindnet stake show",
                coldkey.address(),
                format_mind(have),
                address_of(&hotkey),
                a.netuid,
                format_mind(amount)
            )));
        }
    }
    ctx.confirm(&format!(
        "{verb} {} MIND {} hotkey {} on network {}?",
        format_mind(amount),
        if adding { "behind" } else { "from behind" },
        address_of(&hotkey),
        a.netuid
    ))?;
    let inc = if adding {
        ctx.send(&client, "add_stake", &call_add, &coldkey).await?
    } else {
        ctx.send(&client, "remove_stake", &call_remove, &coldkey)
            .await?
    };
    let now = client
        .stake_of(a.netuid, &hotkey, &coldkey.account_id())
        .await?;
    Ok(Output::new(
        format!(
            "{} {} MIND; {} now has {} MIND behind {} on network {}{}",
            if adding { "staked" } else { "unstaked" },
            format_mind(amount),
            coldkey.address(),
            format_mind(now),
            address_of(&hotkey),
            a.netuid,
            fee_text(&inc)
        ),
        json!({
            "netuid": a.netuid, "hotkey": address_of(&hotkey), "coldkey": coldkey.address(),
            "amount": units(amount), "stake": units(now), "included": included_json(&inc),
        }),
    ))
}

async fn stake_show(
    ctx: &Ctx,
    wallet: Option<String>,
    hotkey: Option<String>,
    suri: Option<String>,
) -> Result<Output> {
    if let Some(h) = hotkey {
        let hot = account(&h)?;
        let client = ctx.connect().await?;
        let mut rows = Vec::new();
        let mut human = format!("stake behind hotkey {}\n", address_of(&hot));
        for netuid in client.pools_of(&hot).await? {
            let total = client.hotkey_stake(netuid, &hot).await?;
            let uid = client.uid_of(netuid, &hot).await?;
            human.push_str(&format!(
                "network {netuid} uid {}: {} MIND\n",
                uid.map(|u| u.to_string()).unwrap_or_else(|| "-".into()),
                format_mind(total)
            ));
            rows.push(json!({ "netuid": netuid, "uid": uid, "hotkey": address_of(&hot), "stake": units(total) }));
        }
        return Ok(Output::new(human, Value::Array(rows)));
    }
    let (cold, names) = match (&wallet, &suri) {
        (Some(w), _) => {
            let names: Vec<(String, String)> = ctx
                .wallets
                .summary(w)?
                .hotkeys
                .into_iter()
                .map(|h| (h.address, h.name))
                .collect();
            (ctx.coldkey_address(w)?, names)
        }
        (None, Some(suri)) => (Key::from_suri(suri)?.account_id(), Vec::new()),
        (None, None) => {
            return Err(Error::usage(
                "give --wallet W, --suri URI or --hotkey ADDRESS",
            ))
        }
    };
    let client = ctx.connect().await?;
    let mut rows = Vec::new();
    let mut human = format!("stake of coldkey {}\n", address_of(&cold));
    // Every position the coldkey holds: behind its own hotkeys and delegated to others.
    for (netuid, hot) in client.positions_of(&cold).await? {
        let mine = client.stake_of(netuid, &hot, &cold).await?;
        let total = client.hotkey_stake(netuid, &hot).await?;
        let address = address_of(&hot);
        let name = names
            .iter()
            .find(|(a, _)| *a == address)
            .map(|(_, n)| n.clone());
        human.push_str(&format!(
            "network {netuid} hotkey {}: {} MIND of {} MIND\n",
            name.clone().unwrap_or_else(|| address.clone()),
            format_mind(mine),
            format_mind(total)
        ));
        rows.push(json!({
            "netuid": netuid, "hotkey": address, "hotkey_name": name,
            "stake": units(mine), "hotkey_stake": units(total),
        }));
    }
    Ok(Output::new(human, Value::Array(rows)))
}

async fn set_weights(
    ctx: &Ctx,
    netuid: u16,
    signer: Hotkey,
    file: Option<std::path::PathBuf>,
    entries: Vec<String>,
) -> Result<Output> {
    let row = match &file {
        Some(f) => parse_row(&std::fs::read_to_string(f).map_err(|e| {
            Error::usage(format!("cannot read the weights file {}: {e}", f.display()))
        })?)?,
        None => parse_row(&entries.join(" "))?,
    };
    let hotkey = ctx.hotkey(&signer)?;
    let client = ctx.connect().await?;
    let own_uid = require_uid(&client, netuid, &hotkey.account_id()).await?;
    let policy = client.weight_policy(netuid, own_uid).await?;
    let (uids, values) = to_chain_row(&row, &policy.rules)?;
    // The rate limit, checked before signing.
    if !policy.allows(client.best_number().await?) {
        return Err(Error::rejected(format!(
            "{} at block {} and network {netuid} allows one set_weights every {} blocks: try again from block {}",
            if policy.since_registration { "the neuron registered" } else { "weights were set" },
            policy.last,
            policy.rate_limit,
            policy.allowed_from()
        )));
    }
    let version_key = policy.version_key;
    let call =
        runtime::tx()
            .mindnet()
            .set_weights(netuid, uids.clone(), values.clone(), version_key);
    ctx.confirm(&format!(
        "set {} weights of uid {own_uid} on network {netuid}?",
        uids.len()
    ))?;
    let inc = ctx.send(&client, "set_weights", &call, &hotkey).await?;
    Ok(Output::new(
        format!(
            "uid {own_uid} set {} weights on network {netuid} in block {}{}",
            uids.len(),
            inc.block,
            fee_text(&inc)
        ),
        json!({
            "netuid": netuid, "uid": own_uid, "hotkey": hotkey.address(),
            "uids": uids, "values": values, "included": included_json(&inc),
        }),
    ))
}

async fn serve_axon(
    ctx: &Ctx,
    netuid: u16,
    signer: Hotkey,
    ip: std::net::IpAddr,
    port: u16,
    protocol: u8,
) -> Result<Output> {
    let hotkey = ctx.hotkey(&signer)?;
    let (bits, ip_type) = mindnet_client::chain::axon_ip(ip);
    let client = ctx.connect().await?;
    client.ensure_network(netuid).await?;
    require_uid(&client, netuid, &hotkey.account_id()).await?;
    let call = runtime::tx()
        .mindnet()
        .serve_axon(netuid, bits, port, ip_type, protocol);
    ctx.confirm(&format!("announce {ip} port {port} on network {netuid}?"))?;
    let inc = ctx.send(&client, "serve_axon", &call, &hotkey).await?;
    Ok(Output::new(
        format!(
            "hotkey {} serves at {ip}:{port} on network {netuid}{}",
            hotkey.address(),
            fee_text(&inc)
        ),
        json!({ "netuid": netuid, "hotkey": hotkey.address(), "ip": ip.to_string(), "port": port, "included": included_json(&inc) }),
    ))
}

async fn neurons(ctx: &Ctx, a: NeuronsArgs) -> Result<Output> {
    let client = ctx.connect().await?;
    let mut list = client.neurons(a.netuid).await?;
    let key = |n: &mindnet_client::Neuron| -> f64 {
        match a.sort {
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
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|n| {
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
        })
        .collect();
    let human = format!(
        "network {}: {} neurons\n{}",
        a.netuid,
        list.len(),
        table(
            &[
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
                "axon"
            ],
            &rows
        )
    );
    let value = serde_json::to_value(&list)
        .map_err(|e| Error::internal(format!("encoding the neurons: {e}")))?;
    Ok(Output::new(human, value))
}

async fn network(ctx: &Ctx, command: NetworkCommand) -> Result<Output> {
    // Arguments are checked before the node is asked anything.
    if let NetworkCommand::Set { param, value, .. } = &command {
        Client::parameter(param, value)?;
    }
    let client = ctx.connect().await?;
    match command {
        NetworkCommand::List => {
            let mut rows = Vec::new();
            let mut json_rows = Vec::new();
            for netuid in client.networks().await? {
                let params = client.network_params(netuid).await?;
                let get = |name: &str| {
                    params
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null)
                };
                let status = client.epoch_status(netuid).await?;
                rows.push(vec![
                    netuid.to_string(),
                    get("neurons").to_string(),
                    get("max_allowed_uids").to_string(),
                    get("tempo").to_string(),
                    status.epochs.to_string(),
                ]);
                json_rows.push(json!({
                    "netuid": netuid, "neurons": get("neurons"), "max_allowed_uids": get("max_allowed_uids"),
                    "tempo": get("tempo"), "epochs": status.epochs, "epoch_running": status.running,
                    "last_epoch_block": status.last_epoch_block,
                }));
            }
            Ok(Output::new(
                table(&["netuid", "neurons", "max", "tempo", "epochs"], &rows),
                Value::Array(json_rows),
            ))
        }
        NetworkCommand::Params { netuid } => {
            let params = client.network_params(netuid).await?;
            // People read balances in MIND (as `network set` takes them); JSON keeps base units.
            let rows: Vec<Vec<String>> = params
                .iter()
                .map(|(n, v)| match (n.as_str(), v.as_u64()) {
                    ("registration_fee" | "min_stake", Some(units)) => {
                        vec![
                            n.clone(),
                            format!("{} MIND", format_mind(u128::from(units))),
                        ]
                    }
                    _ => vec![n.clone(), v.to_string()],
                })
                .collect();
            let map: serde_json::Map<String, Value> = params.into_iter().collect();
            Ok(Output::new(
                format!(
                    "network {netuid}\n{}",
                    table(&["parameter", "value"], &rows)
                ),
                json!({ "netuid": netuid, "params": map }),
            ))
        }
        NetworkCommand::Set {
            netuid,
            sudo,
            param,
            value,
        } => {
            let parameter = Client::parameter(&param, &value)?;
            let signer = ctx.coldkey(&sudo)?;
            client.ensure_network(netuid).await?;
            match client.sudo_key().await? {
                Some(k) if k == signer.account_id() => {}
                Some(k) => {
                    return Err(Error::usage(format!(
                        "only the sudo key {} can set network parameters; {} is not it",
                        address_of(&k),
                        signer.address()
                    )))
                }
                None => {
                    return Err(Error::usage(
                        "this chain has no sudo key: parameters cannot be set",
                    ))
                }
            }
            let inner = runtime::runtime_types::mindnet_runtime::RuntimeCall::Mindnet(
                runtime::runtime_types::pallet_mindnet::pallet::Call::set_parameter {
                    netuid,
                    parameter,
                },
            );
            let call = runtime::tx().sudo().sudo(inner);
            ctx.confirm(&format!("set {param} of network {netuid} to {value}?"))?;
            let inc = ctx.send(&client, "set_parameter", &call, &signer).await?;
            Ok(Output::new(
                format!("network {netuid}: {param} set to {value}{}", fee_text(&inc)),
                json!({ "netuid": netuid, "param": param, "value": value, "included": included_json(&inc) }),
            ))
        }
    }
}
