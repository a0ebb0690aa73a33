//! Wallets on disk: `<dir>/<name>/coldkey.json` and `<dir>/<name>/hotkeys/<hotkey>.json`,
//! Polkadot.js JSON keystores, directories 0700 and files 0600, never overwritten unless
//! asked.

use crate::error::{Error, Result};
use crate::keys::Keystore;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A directory of wallets.
#[derive(Clone, Debug)]
pub struct WalletDir {
    root: PathBuf,
}

/// What `wallet list` shows of one wallet.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WalletSummary {
    /// The wallet's name.
    pub name: String,
    /// The coldkey's address, if the wallet has one.
    pub coldkey: Option<String>,
    /// Whether the coldkey is encrypted.
    pub encrypted: bool,
    /// Its hotkeys: name and address.
    pub hotkeys: Vec<HotkeySummary>,
}

/// A hotkey of a wallet.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HotkeySummary {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Whether it is encrypted.
    pub encrypted: bool,
}

/// Checks a wallet or hotkey name: letters, digits, `-`, `_` and `.`, not starting with `.`.
pub fn check_name(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "{name:?} is not a valid {kind} name: use up to 64 letters, digits, '-', '_' or '.'"
        )))
    }
}

impl WalletDir {
    /// The directory `dir`, or `~/.mindnet/wallets`.
    pub fn new(dir: Option<PathBuf>) -> Result<Self> {
        let root = match dir {
            Some(d) => d,
            None => {
                let home = std::env::var_os("HOME").ok_or_else(|| {
                    Error::usage("HOME is not set: pass --wallet-dir or set MINDNET_WALLET_DIR")
                })?;
                PathBuf::from(home).join(".mindnet").join("wallets")
            }
        };
        Ok(Self { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where wallet `name`'s coldkey lives.
    pub fn coldkey_path(&self, name: &str) -> Result<PathBuf> {
        check_name("wallet", name)?;
        Ok(self.root.join(name).join("coldkey.json"))
    }

    /// Where hotkey `hotkey` of wallet `name` lives.
    pub fn hotkey_path(&self, name: &str, hotkey: &str) -> Result<PathBuf> {
        check_name("wallet", name)?;
        check_name("hotkey", hotkey)?;
        Ok(self
            .root
            .join(name)
            .join("hotkeys")
            .join(format!("{hotkey}.json")))
    }

    /// Writes `store` at `path`: directories 0700, the file 0600; an existing file is kept
    /// unless `force`.
    pub fn write(&self, path: &Path, store: &Keystore, force: bool) -> Result<()> {
        let parent = path
            .parent()
            .ok_or_else(|| Error::internal("a key path has no parent directory"))?;
        create_private_dirs(parent)?;
        let json = serde_json::to_string_pretty(store)
            .map_err(|e| Error::internal(format!("encoding the keystore: {e}")))?;
        let io =
            |e: std::io::Error| Error::internal(format!("cannot write {}: {e}", path.display()));
        // A new file of a random name, created exclusively and 0600, in the same directory;
        // removed if anything fails before it takes the key's name.
        let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io)?;
        tmp.write_all(json.as_bytes()).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        let exists = || {
            Error::usage(format!(
                "{} exists already: keys are never overwritten; pass --force to replace it (the old key is lost unless backed up)",
                path.display()
            ))
        };
        if force {
            tmp.persist(path).map_err(|e| io(e.error))?;
        } else {
            // Atomic: fails if another process wrote the key in the meantime.
            tmp.persist_noclobber(path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    exists()
                } else {
                    io(e.error)
                }
            })?;
        }
        Ok(())
    }

    /// Reads the keystore at `path`.
    pub fn read(&self, path: &Path, what: &str) -> Result<Keystore> {
        let text = fs::read_to_string(path).map_err(|e| {
            Error::usage(format!(
                "no {what} at {} ({e}): create it with `mindnet wallet new` or check --wallet-dir",
                path.display()
            ))
        })?;
        Keystore::parse(&text)
    }

    /// Where weight commits awaiting their reveal are kept ([`crate::commits`]): a folder
    /// that is no wallet (its name starts with a dot).
    pub fn commit_store(&self) -> crate::commits::CommitStore {
        crate::commits::CommitStore::new(self.root.join(".commits"))
    }

    /// Every wallet, by name.
    pub fn list(&self) -> Result<Vec<WalletSummary>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => {
                return Err(Error::usage(format!(
                    "cannot read {}: {e}",
                    self.root.display()
                )))
            }
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| check_name("wallet", n).is_ok())
            .collect();
        names.sort();
        for name in names {
            out.push(self.summary(&name)?);
        }
        Ok(out)
    }

    /// One wallet.
    pub fn summary(&self, name: &str) -> Result<WalletSummary> {
        let cold_path = self.coldkey_path(name)?;
        if !cold_path.parent().is_some_and(Path::is_dir) {
            return Err(Error::usage(format!(
                "no wallet {name:?} in {}: `mindnet wallet list` shows the wallets",
                self.root.display()
            )));
        }
        let cold = self.read(&cold_path, "coldkey").ok();
        let mut hotkeys = Vec::new();
        if let Ok(entries) = fs::read_dir(self.root.join(name).join("hotkeys")) {
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
            for file in files {
                let Some(stem) = file
                    .file_name()
                    .and_then(|f| f.to_str())
                    .and_then(|f| f.strip_suffix(".json"))
                else {
                    continue;
                };
                if let Ok(store) = self.read(&file, "hotkey") {
                    hotkeys.push(HotkeySummary {
                        name: stem.to_string(),
                        address: store.address.clone(),
                        encrypted: store.is_encrypted(),
                    });
                }
            }
        }
        Ok(WalletSummary {
            name: name.to_string(),
            encrypted: cold.as_ref().is_some_and(Keystore::is_encrypted),
            coldkey: cold.map(|c| c.address),
            hotkeys,
        })
    }
}

fn create_private_dirs(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    // A directory that existed with a wider mode is narrowed: keys are nobody else's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::internal(format!("cannot restrict {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// A password: what `file` holds (less trailing line breaks), else `MINDNET_PASSWORD`,
/// else asked on the terminal (twice when `confirm`, for a new key; only with the `prompt`
/// feature). Never empty.
pub fn password(
    file: Option<&Path>,
    prompt: &str,
    confirm: bool,
) -> Result<zeroize::Zeroizing<String>> {
    use std::io::IsTerminal;
    use zeroize::Zeroizing;
    let non_empty = |p: Zeroizing<String>| {
        if p.is_empty() {
            Err(Error::usage(
                "the password is empty: give a non-empty password",
            ))
        } else {
            Ok(p)
        }
    };
    if let Some(file) = file {
        let text = Zeroizing::new(fs::read_to_string(file).map_err(|e| {
            Error::usage(format!(
                "cannot read the password file {}: {e}",
                file.display()
            ))
        })?);
        return non_empty(Zeroizing::new(
            text.trim_end_matches(['\n', '\r']).to_string(),
        ));
    }
    if let Ok(p) = std::env::var("MINDNET_PASSWORD") {
        return non_empty(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::usage(format!(
            "{prompt} is needed but there is no terminal to ask on: pass --password-file FILE or set MINDNET_PASSWORD"
        )));
    }
    non_empty(ask_on_terminal(prompt, confirm)?)
}

/// Asks for a password on the terminal, twice when `confirm` (the two must agree).
#[cfg(feature = "prompt")]
fn ask_on_terminal(prompt: &str, confirm: bool) -> Result<zeroize::Zeroizing<String>> {
    use zeroize::Zeroizing;
    let ask = |q: String| {
        rpassword::prompt_password(q)
            .map(Zeroizing::new)
            .map_err(|e| Error::usage(format!("cannot read the password: {e}")))
    };
    let first = ask(format!("{prompt}: "))?;
    if confirm && *ask("repeat it: ".to_string())? != *first {
        return Err(Error::usage(
            "the two passwords differ: nothing was written",
        ));
    }
    Ok(first)
}

/// Built without the `prompt` feature: nothing is asked on the terminal.
#[cfg(not(feature = "prompt"))]
fn ask_on_terminal(prompt: &str, _confirm: bool) -> Result<zeroize::Zeroizing<String>> {
    Err(Error::usage(format!(
        "{prompt} is needed and this program does not ask on the terminal: pass --password-file FILE or set MINDNET_PASSWORD"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Key;

    #[test]
    fn layout_permissions_and_no_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = WalletDir::new(Some(tmp.path().join("w"))).unwrap();
        let key = Key::from_suri("//Alice").unwrap();
        let store = key.to_keystore(None, "alice").unwrap();
        let path = dir.hotkey_path("alice", "h1").unwrap();
        dir.write(&path, &store, false).unwrap();
        assert!(dir
            .write(&path, &store, false)
            .unwrap_err()
            .to_string()
            .contains("--force"));
        dir.write(&path, &store, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&tmp.path().join("w").join("alice")), 0o700);
        }
        let listed = dir.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].coldkey, None);
        assert_eq!(listed[0].hotkeys[0].address, key.address());
        assert!(dir.coldkey_path("../etc").is_err());
        assert!(dir.hotkey_path("a", "x/y").is_err());
        assert!(dir.summary("missing").is_err());
    }
}
