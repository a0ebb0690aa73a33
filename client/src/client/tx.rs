//! Transactions: signed, submitted and watched until they are in a block, with a deadline on
//! every step, and a failure decoded to `Pallet.Variant — doc line`.

use super::dispatch_error::{describe_dispatch_error, describe_inner_error};
use super::{classify, AtBlock, Client};
use crate::error::{Error, Result};
use crate::keys::Key;
use crate::runtime;
use serde::Serialize;
use std::sync::Arc;
use subxt::client::OnlineClientAtBlockImpl;
use subxt::config::PolkadotExtrinsicParamsBuilder;
use subxt::extrinsics::ExtrinsicEvents;
use subxt::transactions::{Payload, TransactionInBlock, TransactionProgress, TransactionStatus};
use subxt::PolkadotConfig;

/// A submitted transaction's progress reports.
type Watch = TransactionProgress<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>;
/// A submitted transaction in a block.
type InBlock = TransactionInBlock<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>;
/// Reports what a submission is doing, in words.
type Progress<'a> = &'a mut (dyn FnMut(&str) + Send);

/// When a submitted transaction counts as done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wait {
    /// Included in a best block.
    Inclusion,
    /// In a finalised block.
    Finalized,
}

/// What happened to a transaction.
#[derive(Clone, Debug, Serialize)]
pub struct Included {
    /// The extrinsic's hash.
    pub extrinsic: String,
    /// The block that holds it.
    pub block: String,
    /// The fee the signer paid, in base units.
    pub fee: Option<u128>,
    /// The events it emitted, as `Pallet.Variant`.
    pub events: Vec<String>,
}

/// A transaction in the node's pool ([`Client::submit_pooled`]).
pub struct Pending {
    what: String,
    at: AtBlock,
    watch: Watch,
    extrinsic: String,
    /// Its block, when the first status already was one.
    early: Option<InBlock>,
}

impl Client {
    /// The fee `signer` would pay for `call`.
    pub async fn estimate_fee<Call: Payload>(&self, call: &Call, signer: &Key) -> Result<u128> {
        let at = self.at().await?;
        let mut txs = at.transactions();
        let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().build();
        self.within("estimating the fee", async {
            let tx = txs.create_signed(call, signer, params).await?;
            tx.partial_fee_estimate().await
        })
        .await
    }

    /// Signs `call` with `signer`, submits it and waits for `wait`, calling `progress` with
    /// each status. The nonce is the node's next one for the signer (pool included), read
    /// while holding the signer's lock: transactions of one signer through one client go
    /// one at a time.
    pub async fn submit<Call: Payload>(
        &self,
        what: &str,
        call: &Call,
        signer: &Key,
        wait: Wait,
        progress: Progress<'_>,
    ) -> Result<Included> {
        let lock = self.signer_lock(signer)?;
        let _in_flight = lock.lock().await;
        self.ensure_fee(what, call, signer).await?;
        let (at, mut watch) = self.sign_and_watch(what, call, signer, progress).await?;
        let extrinsic = format!("{:?}", watch.extrinsic_hash());
        let block = self
            .wait_for_block(what, &mut watch, &extrinsic, wait, progress)
            .await?;
        self.included(what, &at, extrinsic, &block).await
    }

    /// What a transaction in `block` did: its events, fee, and whether a call inside
    /// `Sudo.sudo` failed (sudo itself succeeds even then).
    async fn included(
        &self,
        what: &str,
        at: &AtBlock,
        extrinsic: String,
        block: &InBlock,
    ) -> Result<Included> {
        let block_hash = format!("{:?}", block.block_hash());
        let events = self.events_of(what, block).await?;
        let outcome = Outcome::of(at, &events);
        if let Some(e) = outcome.inner_error {
            return Err(Error::rejected(format!("{what} failed inside sudo: {e}")));
        }
        Ok(Included {
            extrinsic,
            block: block_hash,
            fee: outcome.fee,
            events: outcome.names,
        })
    }

    /// Signs `call` with `signer` and submits it, returning once the node's pool has
    /// validated it; [`Client::finish`] then waits for its block. The signer's lock is held
    /// only until the pool has it (the next nonce counts the pool), so one signer can have
    /// many transactions in one block: what setting up many accounts needs.
    pub async fn submit_pooled<Call: Payload>(
        &self,
        what: &str,
        call: &Call,
        signer: &Key,
    ) -> Result<Pending> {
        let lock = self.signer_lock(signer)?;
        let _in_flight = lock.lock().await;
        self.ensure_fee(what, call, signer).await?;
        let (at, mut watch) = self.sign_and_watch(what, call, signer, &mut |_| {}).await?;
        let extrinsic = format!("{:?}", watch.extrinsic_hash());
        let status = tokio::time::timeout(self.timeout, watch.next())
            .await
            .map_err(|_| Error::connection(format!("{what}: the pool did not answer")))?;
        match status {
            Some(Err(e)) => Err(classify(what, &e.to_string())),
            None => Err(Error::connection(format!(
                "{what}: the node stopped reporting on the transaction (extrinsic {extrinsic})"
            ))),
            // `block_of` refuses a status that says the pool rejected it.
            Some(Ok(status)) => Ok(Pending {
                what: what.to_string(),
                at,
                watch,
                extrinsic,
                early: block_of(what, status, Wait::Inclusion, &mut |_| {})?,
            }),
        }
    }

    /// Waits for a pooled transaction's block (`wait`) and its outcome.
    pub async fn finish(&self, pending: Pending, wait: Wait) -> Result<Included> {
        let Pending {
            what,
            at,
            mut watch,
            extrinsic,
            early,
        } = pending;
        let block = match early {
            Some(b) if wait == Wait::Inclusion => b,
            _ => {
                self.wait_for_block(&what, &mut watch, &extrinsic, wait, &mut |_| {})
                    .await?
            }
        };
        self.included(&what, &at, extrinsic, &block).await
    }

    /// The lock `signer`'s transactions through this client take turns on.
    fn signer_lock(&self, signer: &Key) -> Result<Arc<tokio::sync::Mutex<()>>> {
        Ok(self
            .signers
            .lock()
            .map_err(|_| Error::internal("the signer table's lock is poisoned"))?
            .entry(signer.public())
            .or_default()
            .clone())
    }

    /// A signer that cannot pay the fee is refused by the pool with a vague message: say it
    /// in words before signing.
    async fn ensure_fee<Call: Payload>(&self, what: &str, call: &Call, signer: &Key) -> Result<()> {
        let fee = self.estimate_fee(call, signer).await?;
        let (free, _) = self.balance(&signer.account_id()).await?;
        if free < fee {
            return Err(Error::rejected(format!(
                "{} has {} MIND free, less than the fee of about {} MIND for {what}: send it some MIND first (mindnet transfer --to {} --amount 1)",
                signer.address(),
                crate::amount::format_mind(free),
                crate::amount::format_mind(fee),
                signer.address()
            )));
        }
        Ok(())
    }

    /// Signs `call` with the signer's next nonce (a mortal transaction, 64 blocks) and
    /// submits it; returns the state it was signed against and its progress reports.
    async fn sign_and_watch<Call: Payload>(
        &self,
        what: &str,
        call: &Call,
        signer: &Key,
        progress: Progress<'_>,
    ) -> Result<(AtBlock, Watch)> {
        let account = signer.account_id();
        let nonce = self
            .within("reading the signer's nonce", async {
                self.rpc.system_account_next_index(&account).await
            })
            .await?;
        let at = self.at().await?;
        let mut txs = at.transactions();
        let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new()
            .nonce(nonce)
            .mortal(64)
            .build();
        progress(&format!("{what}: submitting"));
        let watch = self
            .within(what, txs.sign_and_submit_then_watch(call, signer, params))
            .await?;
        Ok((at, watch))
    }

    /// Follows the transaction's progress until it is in a block as `wait` asks;
    /// inclusion and finality take blocks, so this allows several request deadlines.
    async fn wait_for_block(
        &self,
        what: &str,
        watch: &mut Watch,
        extrinsic: &str,
        wait: Wait,
        progress: Progress<'_>,
    ) -> Result<InBlock> {
        let limit = self.timeout.saturating_mul(4);
        let started = std::time::Instant::now();
        loop {
            let left = limit.saturating_sub(started.elapsed());
            let status = match tokio::time::timeout(left, watch.next()).await {
                Err(_) => {
                    return Err(Error::connection(format!(
                        "{what}: not {} within {} s (extrinsic {extrinsic}); it may still be included: check with `mindnet balance` before sending again",
                        if wait == Wait::Finalized { "finalized" } else { "included" },
                        limit.as_secs()
                    )))
                }
                Ok(None) => {
                    return Err(Error::connection(format!(
                        "{what}: the node stopped reporting on the transaction (extrinsic {extrinsic})"
                    )))
                }
                Ok(Some(Err(e))) => return Err(classify(what, &e.to_string())),
                Ok(Some(Ok(s))) => s,
            };
            if let Some(block) = block_of(what, status, wait, progress)? {
                return Ok(block);
            }
        }
    }

    /// The transaction's events, or why it failed in its block.
    async fn events_of(
        &self,
        what: &str,
        block: &InBlock,
    ) -> Result<ExtrinsicEvents<PolkadotConfig>> {
        match self
            .within(what, async {
                Ok::<_, String>(block.wait_for_success().await)
            })
            .await?
        {
            Ok(events) => Ok(events),
            Err(subxt::error::TransactionEventsError::ExtrinsicFailed(e)) => Err(Error::rejected(
                format!("{what} failed: {}", describe_dispatch_error(&e)),
            )),
            Err(e) => Err(classify(what, &e.to_string())),
        }
    }
}

/// The block a status puts the transaction in, when that is what `wait` waits for;
/// `None` (after reporting it) while it is still on its way; an error when the pool
/// dropped it.
fn block_of(
    what: &str,
    status: TransactionStatus<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>,
    wait: Wait,
    progress: Progress<'_>,
) -> Result<Option<InBlock>> {
    Ok(match status {
        TransactionStatus::Validated => {
            progress(&format!("{what}: in the pool, waiting for a block"));
            None
        }
        TransactionStatus::Broadcasted => None,
        TransactionStatus::NoLongerInBestBlock => {
            progress(&format!("{what}: its block was retracted, waiting again"));
            None
        }
        TransactionStatus::InBestBlock(b) if wait == Wait::Inclusion => Some(b),
        TransactionStatus::InBestBlock(_) => {
            progress(&format!("{what}: included, waiting for finality"));
            None
        }
        TransactionStatus::InFinalizedBlock(b) => Some(b),
        TransactionStatus::Error { message }
        | TransactionStatus::Invalid { message }
        | TransactionStatus::Dropped { message } => {
            return Err(Error::rejected(format!(
                "{what} was rejected by the node's pool: {message}"
            )))
        }
    })
}

/// What a transaction's events say.
struct Outcome {
    /// Each event as `Pallet.Variant`.
    names: Vec<String>,
    /// The fee paid (`TransactionPayment.TransactionFeePaid`).
    fee: Option<u128>,
    /// Why the call inside `Sudo.sudo` failed: sudo itself succeeds even then.
    inner_error: Option<String>,
}

impl Outcome {
    fn of(at: &AtBlock, events: &ExtrinsicEvents<PolkadotConfig>) -> Self {
        let mut outcome = Self {
            names: Vec::new(),
            fee: None,
            inner_error: None,
        };
        for ev in events.iter().flatten() {
            if let Some(Ok(sudid)) = ev.decode_fields_as::<runtime::sudo::events::Sudid>() {
                if let Err(e) = sudid.sudo_result {
                    outcome.inner_error = Some(describe_inner_error(&at.metadata(), &e));
                }
            }
            outcome
                .names
                .push(format!("{}.{}", ev.pallet_name(), ev.event_name()));
            if ev.pallet_name() == "TransactionPayment" && ev.event_name() == "TransactionFeePaid" {
                if let Some(Ok(paid)) = ev
                    .decode_fields_as::<runtime::transaction_payment::events::TransactionFeePaid>()
                {
                    outcome.fee = Some(paid.actual_fee);
                }
            }
        }
        outcome
    }
}
