//! `mindnet wallet new|import|export|address|list|show`: keys on disk.

use crate::cli::WalletCommand;
use crate::ctx::Ctx;
use crate::output::Output;
use mindnet_client::keys::{address_of, parse_account};
use mindnet_client::{Error, Key, Keystore, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Runs a wallet command.
pub fn exec(ctx: &Ctx, command: WalletCommand) -> Result<Output> {
    match command {
        WalletCommand::New {
            name,
            hotkey,
            words,
            no_password,
            force,
        } => new(ctx, &name, hotkey.as_deref(), words, no_password, force),
        WalletCommand::Import {
            name,
            mnemonic_file,
            keystore,
            hotkey,
            no_password,
            force,
        } => {
            let source = KeySource::of(mnemonic_file, keystore)?;
            import(ctx, &name, source, hotkey.as_deref(), no_password, force)
        }
        WalletCommand::Export { name, hotkey } => export(ctx, &name, hotkey.as_deref()),
        WalletCommand::Address { name, hotkey } => address(ctx, &name, hotkey.as_deref()),
        WalletCommand::List => list(ctx),
        WalletCommand::Inspect {
            name,
            hotkey,
            suri,
            address,
        } => inspect(ctx, name, hotkey, suri, address),
        WalletCommand::Show { name } => show(ctx, &name),
        WalletCommand::Sign {
            name,
            hotkey,
            suri,
            message,
        } => sign(ctx, name, hotkey, suri, &message),
        WalletCommand::Verify {
            address,
            signature,
            message,
        } => verify(&address, &signature, &message),
    }
}

/// A message's bytes: `0x` and hex as bytes, anything else as its UTF-8 text.
fn message_bytes(message: &str) -> Vec<u8> {
    message
        .strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .unwrap_or_else(|| message.as_bytes().to_vec())
}

/// `<Bytes>message</Bytes>`, as Polkadot.js's `u8aWrapBytes` (and so `signRaw`) makes it.
fn wrapped(message: &[u8]) -> Vec<u8> {
    if message.starts_with(b"<Bytes>") && message.ends_with(b"</Bytes>") {
        return message.to_vec();
    }
    [b"<Bytes>".as_slice(), message, b"</Bytes>".as_slice()].concat()
}

fn sign(
    ctx: &Ctx,
    name: Option<String>,
    hotkey: Option<String>,
    suri: Option<String>,
    message: &str,
) -> Result<Output> {
    let key = match (suri, name, hotkey) {
        (Some(s), _, _) => Key::from_suri(&s)?,
        (None, Some(w), Some(h)) => ctx.wallet_hotkey(&w, &h)?,
        (None, Some(w), None) => ctx.coldkey(&crate::cli::Coldkey {
            wallet: Some(w),
            suri: None,
        })?,
        (None, None, _) => {
            return Err(Error::usage(
                "name the key that signs: --name WALLET [--hotkey NAME], or --suri URI",
            ))
        }
    };
    let bytes = message_bytes(message);
    let signature = format!("0x{}", hex::encode(key.sign(&wrapped(&bytes))));
    Ok(Output::new(
        format!(
            "{} signed {}:\n{signature}",
            key.address(),
            describe(&bytes)
        ),
        json!({ "address": key.address(), "message": format!("0x{}", hex::encode(&bytes)), "signature": signature }),
    ))
}

fn verify(address: &str, signature: &str, message: &str) -> Result<Output> {
    let public = mindnet_client::keys::ss58_decode(address)?;
    let sig: [u8; 64] = signature
        .strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Error::usage(format!(
                "--signature {signature:?} is not a signature: give 0x and 128 hex digits, as `mindnet wallet sign` prints"
            ))
        })?;
    let bytes = message_bytes(message);
    let form = if Key::verify(&public, &wrapped(&bytes), &sig) {
        "wrapped in <Bytes>…</Bytes>"
    } else if Key::verify(&public, &bytes, &sig) {
        "bare"
    } else {
        return Err(Error::rejected(format!(
            "the signature is not {address}'s over {}",
            describe(&bytes)
        )));
    };
    Ok(Output::new(
        format!("valid: {address} signed {} ({form})", describe(&bytes)),
        json!({ "valid": true, "address": address, "wrapped": form != "bare" }),
    ))
}

/// A message for people: its text if it is printable, else its length.
fn describe(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) if !t.chars().any(char::is_control) => format!("{t:?}"),
        _ => format!("{} bytes", bytes.len()),
    }
}

fn key_json(key: &Key, path: &Path, mnemonic: Option<&str>, encrypted: bool) -> Value {
    json!({
        "address": key.address(),
        "path": path.display().to_string(),
        "encrypted": encrypted,
        "mnemonic": mnemonic,
    })
}

/// A password, wiped from memory when dropped.
type Password = Zeroizing<String>;

/// Which key files `wallet new` writes: the coldkey's path when it makes one, the hotkey's
/// when asked for one.
struct NewKeys {
    cold: Option<PathBuf>,
    hot: Option<PathBuf>,
}

impl NewKeys {
    /// The files to write, refusing to replace existing keys without `force`.
    fn plan(ctx: &Ctx, name: &str, hotkey: Option<&str>, force: bool) -> Result<Self> {
        let w = &ctx.wallets;
        let cold_path = w.coldkey_path(name)?;
        let hot = hotkey.map(|h| w.hotkey_path(name, h)).transpose()?;
        if let Some(p) = &hot {
            if p.exists() && !force {
                return Err(Error::usage(format!(
                    "hotkey {:?} exists already in wallet {name:?}: choose another name, or pass --force to replace it",
                    hotkey.unwrap_or_default()
                )));
            }
        }
        let create_cold = !cold_path.exists() || (force && hot.is_none());
        if cold_path.exists() && hot.is_none() && !force {
            return Err(Error::usage(format!(
                "wallet {name:?} exists already: pass --hotkey H to add a hotkey, or --force to replace its coldkey"
            )));
        }
        Ok(Self {
            cold: create_cold.then_some(cold_path),
            hot,
        })
    }

    /// The passwords of the new coldkey and hotkey, asked before anything is written; the
    /// hotkey takes the coldkey's when both are made, and none with `no_password`.
    fn passwords(
        &self,
        ctx: &Ctx,
        name: &str,
        no_password: bool,
    ) -> Result<(Option<Password>, Option<Password>)> {
        let cold = match &self.cold {
            Some(_) => {
                Some(ctx.password(&format!("new password for wallet {name:?}'s coldkey"), true)?)
            }
            None => None,
        };
        let hot = match (&self.hot, no_password) {
            (Some(_), false) => match &cold {
                Some(p) => Some(p.clone()),
                None => Some(ctx.password("new password for the hotkey", true)?),
            },
            _ => None,
        };
        Ok((cold, hot))
    }
}

/// `wallet new`: a coldkey (encrypted), a hotkey, or both.
fn new(
    ctx: &Ctx,
    name: &str,
    hotkey: Option<&str>,
    words: usize,
    no_password: bool,
    force: bool,
) -> Result<Output> {
    let w = &ctx.wallets;
    let keys = NewKeys::plan(ctx, name, hotkey, force)?;
    let (cold_password, hot_password) = keys.passwords(ctx, name, no_password)?;
    let mut human = String::new();
    let mut out = json!({ "wallet": name });
    if let (Some(path), Some(password)) = (&keys.cold, &cold_password) {
        let (key, phrase) = Key::generate(words)?;
        w.write(path, &key.to_keystore(Some(password), name)?, force)?;
        human.push_str(&format!(
            "coldkey {} (encrypted) written to {}\nits mnemonic, the only way to restore it; write it down and keep it offline:\n  {}\n",
            key.address(),
            path.display(),
            *phrase
        ));
        out["coldkey"] = key_json(&key, path, Some(&phrase), true);
    }
    if let (Some(path), Some(hot)) = (&keys.hot, hotkey) {
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

/// Where `wallet import` reads the key from.
enum KeySource {
    /// A file holding a mnemonic or secret URI (`-`: stdin).
    Mnemonic(PathBuf),
    /// The terminal (asked for, not echoed), or stdin when it is not a terminal.
    Ask,
    /// A Polkadot.js JSON keystore.
    Keystore(PathBuf),
}

impl KeySource {
    /// `--mnemonic-file` if given, else `--keystore`.
    fn of(mnemonic_file: Option<PathBuf>, keystore: Option<PathBuf>) -> Result<Self> {
        match (mnemonic_file, keystore) {
            (Some(file), _) => Ok(Self::Mnemonic(file)),
            (None, Some(file)) => Ok(Self::Keystore(file)),
            (None, None) => Ok(Self::Ask),
        }
    }

    /// The key, and the keystore's password when it had one (kept for the new file).
    fn read(&self, ctx: &Ctx) -> Result<(Key, Option<Password>)> {
        let read = |file: &Path| {
            std::fs::read_to_string(file)
                .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))
        };
        match self {
            Self::Mnemonic(file) if file.as_os_str() == "-" => Ok((mnemonic(&stdin()?)?, None)),
            Self::Mnemonic(file) => {
                let text = Zeroizing::new(read(file)?);
                Ok((mnemonic(&text)?, None))
            }
            Self::Ask => {
                use std::io::IsTerminal;
                let text = if std::io::stdin().is_terminal() {
                    Zeroizing::new(
                        rpassword::prompt_password("mnemonic (not shown): ").map_err(|e| {
                            Error::usage(format!("cannot read the mnemonic from the terminal: {e}"))
                        })?,
                    )
                } else {
                    stdin()?
                };
                Ok((mnemonic(&text)?, None))
            }
            Self::Keystore(file) => {
                let store = Keystore::parse(&read(file)?)?;
                if store.is_encrypted() {
                    let p = ctx.password(&format!("password of {}", file.display()), false)?;
                    Ok((Key::from_keystore(&store, Some(&p))?, Some(p)))
                } else {
                    Ok((Key::from_keystore(&store, None)?, None))
                }
            }
        }
    }
}

/// All of stdin.
fn stdin() -> Result<Zeroizing<String>> {
    use std::io::Read;
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::usage(format!("cannot read the mnemonic from stdin: {e}")))?;
    Ok(text)
}

/// The key of a mnemonic or secret URI as typed or read: surrounding blanks and line breaks
/// do not count; nothing at all is a usage error, not an empty phrase.
fn mnemonic(text: &str) -> Result<Key> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::usage(
            "no mnemonic was given: type its words, pipe them in, or pass --mnemonic-file FILE",
        ));
    }
    Key::from_suri(text)
}

/// `wallet inspect`: a key's public facts, from a wallet's file (no password), a secret URI
/// or an address.
fn inspect(
    ctx: &Ctx,
    name: Option<String>,
    hotkey: Option<String>,
    suri: Option<String>,
    address: Option<String>,
) -> Result<Output> {
    use mindnet_client::keys::{ss58_decode, ss58_encode, SS58_PREFIX};
    let mut file = None;
    let public = match (name, suri, address) {
        (_, Some(suri), _) => Key::from_suri(&suri)?.public(),
        (_, None, Some(a)) => ss58_decode(&a)?,
        (name, None, None) => {
            let name = ctx.wallet_name(name.as_deref()).ok_or_else(|| {
                Error::usage(
                    "say which key: --name WALLET [--hotkey NAME], --suri URI or an address",
                )
            })?;
            let path = key_path(ctx, &name, hotkey.as_deref())?;
            let store = ctx.wallets.read(&path, "key")?;
            file = Some((path, store.is_encrypted()));
            ss58_decode(&store.address)?
        }
    };
    let here = ss58_encode(&public, SS58_PREFIX);
    let generic = ss58_encode(&public, 42);
    let hex_key = format!("0x{}", hex::encode(public));
    let mut human = format!(
        "address      {here}
generic (42) {generic}
public key   {hex_key}
crypto       sr25519
"
    );
    if let Some((path, encrypted)) = &file {
        human.push_str(&format!(
            "file         {}{}
",
            path.display(),
            if *encrypted {
                " (encrypted)"
            } else {
                " (not encrypted)"
            }
        ));
    }
    Ok(Output::new(
        human,
        json!({
            "address": here, "generic_address": generic, "public_key": hex_key,
            "crypto": "sr25519", "ss58_prefix": SS58_PREFIX,
            "file": file.as_ref().map(|(p, _)| p.display().to_string()),
            "encrypted": file.as_ref().map(|(_, e)| *e),
        }),
    ))
}

/// `wallet import`: a key as the wallet's coldkey, or as one of its hotkeys.
fn import(
    ctx: &Ctx,
    name: &str,
    source: KeySource,
    hotkey: Option<&str>,
    no_password: bool,
    force: bool,
) -> Result<Output> {
    let w = &ctx.wallets;
    let (key, source_password) = source.read(ctx)?;
    let (path, label, encrypt) = match hotkey {
        Some(h) => (
            w.hotkey_path(name, h)?,
            format!("hotkey {h:?}"),
            !no_password,
        ),
        None => (w.coldkey_path(name)?, "coldkey".to_string(), true),
    };
    let password = if encrypt {
        Some(match source_password {
            Some(p) => p,
            None => ctx.password(&format!("new password for the imported {label}"), true)?,
        })
    } else {
        None
    };
    let store = key.to_keystore(
        password.as_deref().map(|p| p.as_str()),
        hotkey.unwrap_or(name),
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

/// The file of a wallet's coldkey, or of its hotkey `hotkey`.
fn key_path(ctx: &Ctx, name: &str, hotkey: Option<&str>) -> Result<PathBuf> {
    match hotkey {
        Some(h) => ctx.wallets.hotkey_path(name, h),
        None => ctx.wallets.coldkey_path(name),
    }
}

/// `wallet export`: the key's keystore as it is on disk.
fn export(ctx: &Ctx, name: &str, hotkey: Option<&str>) -> Result<Output> {
    let store = ctx.wallets.read(&key_path(ctx, name, hotkey)?, "key")?;
    let text = serde_json::to_string_pretty(&store)
        .map_err(|e| Error::internal(format!("encoding the keystore: {e}")))?;
    let value = serde_json::to_value(&store)
        .map_err(|e| Error::internal(format!("encoding the keystore: {e}")))?;
    Ok(Output::new(text, value))
}

/// `wallet address`: the key's address.
fn address(ctx: &Ctx, name: &str, hotkey: Option<&str>) -> Result<Output> {
    let store = ctx.wallets.read(&key_path(ctx, name, hotkey)?, "key")?;
    let address = address_of(&parse_account(&store.address)?);
    Ok(Output::new(address.clone(), json!({ "address": address })))
}

/// `wallet list`: every wallet with its keys' addresses.
fn list(ctx: &Ctx) -> Result<Output> {
    let w = &ctx.wallets;
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

/// `wallet show`: one wallet's keys and whether they are encrypted.
fn show(ctx: &Ctx, name: &str) -> Result<Output> {
    let s = ctx.wallets.summary(name)?;
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
