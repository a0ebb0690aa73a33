//! Commit-reveal weights from the client side: the hash a commit binds (the pallet's
//! `commit_hash`), the commits a hotkey has made and not yet revealed, kept on disk with
//! their salts so that a restart still reveals them, and the reveal of those that are due.
//!
//! A commit is written to its file *before* it is submitted (a salt lost after the commit
//! is included could never be revealed), and dropped from the file once revealed, expired,
//! refused, or gone from the chain. Files are replaced atomically (a temporary file in the
//! same folder, synced, then renamed over the old one), so a crash leaves the old file or
//! the new one, never half of either.

use crate::client::{calls, Client, Wait};
use crate::error::{Error, Result};
use crate::keys::{address_of, Key};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use subxt::ext::codec::Encode;
use subxt::utils::AccountId32;

/// `blake2_256(SCALE(hotkey, netuid, uids, values, version_key, salt))`: what
/// `commit_weights` stores and `reveal_weights` recomputes.
pub fn commit_hash(
    hotkey: &AccountId32,
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    salt: &[u8; 32],
) -> [u8; 32] {
    use blake2::digest::{consts::U32, Digest};
    let encoded = (&hotkey.0, netuid, uids, values, version_key, salt).encode();
    blake2::Blake2b::<U32>::digest(encoded).into()
}

/// A commit made and not yet revealed, as kept on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCommit {
    /// The network.
    pub netuid: u16,
    /// The committing hotkey (SS58).
    pub hotkey: String,
    /// The row's uids, as revealed.
    pub uids: Vec<u16>,
    /// The row's values.
    pub values: Vec<u16>,
    /// The version key committed to.
    pub version_key: u64,
    /// The secret salt (hex).
    pub salt: String,
    /// The commit's hash (hex).
    pub hash: String,
    /// The best block when the commit was submitted: a commit the chain never included is
    /// forgotten once its transaction can no longer be (256 blocks later).
    pub submitted_at: u64,
}

impl PendingCommit {
    /// A commit of a row with a fresh random salt.
    pub fn new(
        hotkey: &AccountId32,
        netuid: u16,
        uids: Vec<u16>,
        values: Vec<u16>,
        version_key: u64,
        best: u64,
    ) -> Result<Self> {
        let mut salt = [0u8; 32];
        getrandom::getrandom(&mut salt)
            .map_err(|e| Error::internal(format!("no randomness for a salt: {e}")))?;
        let hash = commit_hash(hotkey, netuid, &uids, &values, version_key, &salt);
        Ok(Self {
            netuid,
            hotkey: address_of(hotkey),
            uids,
            values,
            version_key,
            salt: hex::encode(salt),
            hash: hex::encode(hash),
            submitted_at: best,
        })
    }

    /// The hash, as the chain takes it.
    pub fn hash_bytes(&self) -> Result<[u8; 32]> {
        bytes32(&self.hash, "hash")
    }

    /// The salt, as the chain takes it.
    pub fn salt_bytes(&self) -> Result<[u8; 32]> {
        bytes32(&self.salt, "salt")
    }
}

fn bytes32(text: &str, what: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(text.trim_start_matches("0x"))
        .map_err(|e| Error::usage(format!("a pending commit's {what} is not hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| Error::usage(format!("a pending commit's {what} is not 32 bytes")))
}

/// The commits of each hotkey and network not yet revealed, one JSON file each in a folder
/// (`<wallet dir>/.commits`, [`crate::wallet::WalletDir::commit_store`]).
#[derive(Clone, Debug)]
pub struct CommitStore {
    dir: PathBuf,
}

/// Transactions stay valid for at most this many blocks after they are signed.
const MORTALITY: u64 = 256;

impl CommitStore {
    /// The store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, netuid: u16, hotkey: &str) -> PathBuf {
        self.dir.join(format!("{hotkey}-{netuid}.json"))
    }

    /// The pending commits of `hotkey` (SS58) on `netuid`, oldest first.
    pub fn load(&self, netuid: u16, hotkey: &str) -> Result<Vec<PendingCommit>> {
        let path = self.path(netuid, hotkey);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::usage(format!(
                    "the pending commits in {} are malformed ({e}): move the file away to start afresh (its commits can then not be revealed)",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::usage(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Replaces the pending commits of `hotkey` on `netuid` atomically (the file goes when
    /// none are left).
    pub fn save(&self, netuid: u16, hotkey: &str, commits: &[PendingCommit]) -> Result<()> {
        let path = self.path(netuid, hotkey);
        let failed =
            |e: std::io::Error| Error::usage(format!("cannot write {}: {e}", path.display()));
        if commits.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(e)),
                _ => Ok(()),
            };
        }
        std::fs::create_dir_all(&self.dir).map_err(failed)?;
        let text = serde_json::to_string_pretty(commits)
            .map_err(|e| Error::internal(format!("cannot encode the pending commits: {e}")))?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(failed)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)?;
        file.as_file().sync_all().map_err(failed)?;
        file.persist(&path).map_err(|e| failed(e.error))?;
        Ok(())
    }

    /// Adds a commit to its hotkey's file.
    pub fn add(&self, commit: &PendingCommit) -> Result<()> {
        let mut all = self.load(commit.netuid, &commit.hotkey)?;
        all.retain(|c| c.hash != commit.hash);
        all.push(commit.clone());
        self.save(commit.netuid, &commit.hotkey, &all)
    }

    /// Drops the commits whose hashes are `hashes`.
    pub fn remove(&self, netuid: u16, hotkey: &str, hashes: &[String]) -> Result<()> {
        let mut all = self.load(netuid, hotkey)?;
        all.retain(|c| !hashes.contains(&c.hash));
        self.save(netuid, hotkey, &all)
    }
}

/// What became of a pending commit in [`Client::reveal_due`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RevealOutcome {
    /// Revealed in block `block` (its hash): the row `uids`, `values`.
    Revealed {
        hash: String,
        block: String,
        uids: Vec<u16>,
        values: Vec<u16>,
    },
    /// Not yet due: revealable once the network has completed `epoch` epochs.
    Waiting { hash: String, epoch: u64 },
    /// Its window passed unrevealed: it counts as no weights, and is forgotten.
    Expired { hash: String },
    /// The chain no longer holds it (revealed, replaced, or never included): forgotten.
    Gone { hash: String },
    /// The chain refused the reveal (`error`): forgotten.
    Refused { hash: String, error: String },
}

impl RevealOutcome {
    /// One line for people.
    pub fn describe(&self) -> String {
        let short = |h: &str| h.chars().take(12).collect::<String>();
        match self {
            Self::Revealed { hash, block, .. } => {
                format!("commit {} revealed in block {block}", short(hash))
            }
            Self::Waiting { hash, epoch } => format!(
                "commit {} is revealable once the network has completed {epoch} epochs",
                short(hash)
            ),
            Self::Expired { hash } => format!(
                "commit {} expired unrevealed (it counts as no weights)",
                short(hash)
            ),
            Self::Gone { hash } => format!("commit {} is no longer on chain", short(hash)),
            Self::Refused { hash, error } => {
                format!("the reveal of commit {} was refused: {error}", short(hash))
            }
        }
    }
}

/// A network's commit-reveal settings and epoch count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitRevealState {
    /// Whether the network takes weights by commit and reveal.
    pub enabled: bool,
    /// Epochs from a commit to its reveal window.
    pub delay: u16,
    /// Epochs the network has completed.
    pub epoch: u64,
}

impl Client {
    /// `netuid`'s commit-reveal settings and epoch count at the best block.
    pub async fn commit_reveal_state(&self, netuid: u16) -> Result<CommitRevealState> {
        let at = self.at().await?;
        self.within("reading the commit-reveal settings", async {
            let s = crate::runtime::storage().mindnet();
            let enabled = at
                .storage()
                .fetch(s.commit_reveal(), (netuid,))
                .await?
                .decode()?;
            let delay = at
                .storage()
                .fetch(s.reveal_delay(), (netuid,))
                .await?
                .decode()?;
            let epoch = at
                .storage()
                .fetch(s.epoch_index(), (netuid,))
                .await?
                .decode()?;
            Ok::<_, subxt::Error>(CommitRevealState {
                enabled,
                delay,
                epoch,
            })
        })
        .await
    }

    /// `hotkey`'s commits on `netuid` as the chain holds them: `(hash, epoch, block)`.
    pub async fn weight_commits(
        &self,
        netuid: u16,
        hotkey: &AccountId32,
    ) -> Result<Vec<([u8; 32], u64, u64)>> {
        let at = self.at().await?;
        self.within("reading the weight commits", async {
            let s = crate::runtime::storage().mindnet();
            let list = at
                .storage()
                .fetch(s.weight_commits(), (netuid, *hotkey))
                .await?
                .decode()?;
            Ok::<_, subxt::Error>(
                list.0
                    .into_iter()
                    .map(|c| (c.hash, c.epoch, c.block))
                    .collect(),
            )
        })
        .await
    }

    /// Commits `row` for `signer` on `netuid`: the commit is kept in `store` first, then
    /// submitted and watched to inclusion (and dropped from `store` if the chain refuses
    /// it). Returns it and the block it was included in.
    pub async fn commit_row(
        &self,
        store: &CommitStore,
        signer: &Key,
        netuid: u16,
        uids: Vec<u16>,
        values: Vec<u16>,
        version_key: u64,
    ) -> Result<(PendingCommit, crate::Included)> {
        let best = self.best_number().await?;
        let commit = PendingCommit::new(
            &signer.account_id(),
            netuid,
            uids,
            values,
            version_key,
            best,
        )?;
        store.add(&commit)?;
        let call = calls::commit_weights(netuid, commit.hash_bytes()?);
        match self
            .submit(
                "commit_weights",
                &call,
                signer,
                Wait::Inclusion,
                &mut |_| {},
            )
            .await
        {
            Ok(included) => Ok((commit, included)),
            Err(e) => {
                // Refused or never sent: nothing to reveal. (A connection that failed
                // while watching may still see it included: the file keeps it then, and
                // `reveal_due` sorts it out.)
                if e.kind != crate::ErrorKind::Connection {
                    store.remove(netuid, &commit.hotkey, std::slice::from_ref(&commit.hash))?;
                }
                Err(e)
            }
        }
    }

    /// Reveals `signer`'s pending commits on `netuid` that are due, and forgets those that
    /// expired, were refused or are no longer on chain; returns what became of each.
    pub async fn reveal_due(
        &self,
        store: &CommitStore,
        signer: &Key,
        netuid: u16,
    ) -> Result<Vec<RevealOutcome>> {
        let hotkey = signer.account_id();
        let address = address_of(&hotkey);
        let pending = store.load(netuid, &address)?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let state = self.commit_reveal_state(netuid).await?;
        let on_chain = self.weight_commits(netuid, &hotkey).await?;
        let best = self.best_number().await?;
        let mut outcomes = Vec::new();
        for commit in pending {
            let hash = commit.hash.clone();
            let found = on_chain
                .iter()
                .find(|(h, _, _)| hex::encode(h) == commit.hash);
            let outcome = match found {
                None if best < commit.submitted_at.saturating_add(MORTALITY) => continue,
                None => RevealOutcome::Gone { hash },
                Some((_, epoch, _)) => {
                    let due = epoch.saturating_add(u64::from(state.delay));
                    if state.epoch < due {
                        RevealOutcome::Waiting { hash, epoch: due }
                    } else if state.epoch > due {
                        RevealOutcome::Expired { hash }
                    } else {
                        let call = calls::reveal_weights(
                            netuid,
                            commit.uids.clone(),
                            commit.values.clone(),
                            commit.version_key,
                            commit.salt_bytes()?,
                        );
                        match self
                            .submit(
                                "reveal_weights",
                                &call,
                                signer,
                                Wait::Inclusion,
                                &mut |_| {},
                            )
                            .await
                        {
                            Ok(included) => RevealOutcome::Revealed {
                                hash,
                                block: included.block,
                                uids: commit.uids.clone(),
                                values: commit.values.clone(),
                            },
                            Err(e) if e.kind == crate::ErrorKind::Connection => return Err(e),
                            Err(e) => RevealOutcome::Refused {
                                hash,
                                error: e.message,
                            },
                        }
                    }
                }
            };
            if !matches!(outcome, RevealOutcome::Waiting { .. }) {
                store.remove(netuid, &address, std::slice::from_ref(&commit.hash))?;
            }
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_pallets() {
        // `pallet_mindnet::commit_hash` of the same inputs (runtime/tests/commit_hash.rs
        // checks the runtime against the same value).
        let hotkey = AccountId32([1; 32]);
        let hash = commit_hash(&hotkey, 3, &[1, 2], &[10, 20], 7, &[9; 32]);
        assert_eq!(hex::encode(hash), COMMIT_HASH_VECTOR);
    }

    /// The expected hash of [`the_hash_is_the_pallets`]' inputs.
    pub(crate) const COMMIT_HASH_VECTOR: &str =
        "49d6f7e3a2fecf4cd1cf3562047338538b659ee287ceb459b593c48e81456bad";

    #[test]
    fn the_store_keeps_commits_across_restarts_and_forgets_them_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = CommitStore::new(dir.path().join("commits"));
        let hotkey = AccountId32([2; 32]);
        let a = PendingCommit::new(&hotkey, 0, vec![1], vec![5], 0, 10).unwrap();
        let b = PendingCommit::new(&hotkey, 0, vec![1], vec![5], 0, 11).unwrap();
        // Fresh salts: the same row commits to different hashes.
        assert_ne!(a.hash, b.hash);
        store.add(&a).unwrap();
        store.add(&b).unwrap();
        let again = CommitStore::new(dir.path().join("commits"));
        assert_eq!(
            again.load(0, &a.hotkey).unwrap(),
            vec![a.clone(), b.clone()]
        );
        assert!(again.load(1, &a.hotkey).unwrap().is_empty());
        again
            .remove(0, &a.hotkey, std::slice::from_ref(&a.hash))
            .unwrap();
        assert_eq!(store.load(0, &a.hotkey).unwrap(), vec![b.clone()]);
        store
            .remove(0, &a.hotkey, std::slice::from_ref(&b.hash))
            .unwrap();
        // No file is left, and no temporary file either.
        assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 0);
        assert_eq!(
            commit_hash(&hotkey, 0, &[1], &[5], 0, &a.salt_bytes().unwrap()),
            a.hash_bytes().unwrap()
        );
    }

    #[test]
    fn a_damaged_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = CommitStore::new(dir.path());
        std::fs::write(dir.path().join("5Abc-0.json"), "{").unwrap();
        let e = store.load(0, "5Abc").unwrap_err();
        assert!(e.message.contains("5Abc-0.json"), "{}", e.message);
    }
}
