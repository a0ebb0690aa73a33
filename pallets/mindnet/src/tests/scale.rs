//! The epoch at size: a network of `n` generated neurons with full weight rows runs its
//! epoch under the default budget (10 % of a 2 s block, weights as benchmarked, ParityDB
//! costs), completes within one tempo of 100 blocks, never spends more than the budget in
//! a block, and equals the single-pass computation; the script also prints how many
//! blocks each epoch took and the storage keys it read and wrote (counted from the state
//! machine's trace events, by storage item).
//!
//! The default test run checks this at the mock's size (64 neurons, 16 weights per row).
//! `scripts/bench/scale.sh` runs the same code in the release profile at 4,096, 16,384 and
//! 65,536 neurons with 256 weights per row:
//!
//! ```text
//! MINDNET_SCALE_N=4096,16384,65536 cargo test --release -p pallet-mindnet scale -- --ignored --nocapture
//! ```
//!
//! `MINDNET_SCALE_RANKING=transitive` (`scripts/bench/scale.sh SIZES transitive`) measures
//! the transitive ranking's epoch instead.

use super::{random_calls::env, *};
use crate::network::fixed_to_perbill;
use frame_support::traits::{Get, Hooks};

/// What one run measured.
struct Measured {
    blocks: u32,
    largest_block_percent: f64,
    total_seconds: f64,
    /// Distinct storage keys read in each block, summed over the epoch's blocks.
    reads: u64,
    /// Distinct storage keys written (set, appended or removed) in each block, summed.
    writes: u64,
    /// The same two counts by storage item (`Pallet::Item`).
    by_item: std::collections::BTreeMap<String, (u64, u64)>,
}

/// Counts the storage keys a block reads and writes, from the state machine's own trace
/// events (target `state`, one per access): each key once per block, as a node reads it
/// from the database once and then from its overlay.
#[derive(Default)]
struct StorageCounter {
    /// Whether accesses are counted now.
    counting: std::sync::atomic::AtomicBool,
    keys: std::sync::Mutex<BlockKeys>,
}

#[derive(Default)]
struct BlockKeys {
    reads: std::collections::HashSet<String>,
    writes: std::collections::HashSet<String>,
    /// Counts by the key's first 32 bytes (pallet and item), in hex, over past blocks.
    by_prefix: std::collections::BTreeMap<String, (u64, u64)>,
}

impl StorageCounter {
    /// Counts the accesses that `f` makes.
    fn count<R>(&self, f: impl FnOnce() -> R) -> R {
        use std::sync::atomic::Ordering::Relaxed;
        self.counting.store(true, Relaxed);
        let result = f();
        self.counting.store(false, Relaxed);
        result
    }

    /// The distinct keys read and written since the last call (a block's).
    fn take_block(&self) -> (u64, u64) {
        let mut keys = self.keys.lock().expect("not poisoned");
        let counts = (keys.reads.len() as u64, keys.writes.len() as u64);
        let BlockKeys {
            reads,
            writes,
            by_prefix,
        } = &mut *keys;
        let prefix = |key: &String| key.get(..64).unwrap_or(key).to_owned();
        for key in reads.drain() {
            by_prefix.entry(prefix(&key)).or_default().0 += 1;
        }
        for key in writes.drain() {
            by_prefix.entry(prefix(&key)).or_default().1 += 1;
        }
        counts
    }

    /// The counts of past blocks by storage item, named from the runtime's storage
    /// metadata.
    fn by_item(&self) -> std::collections::BTreeMap<String, (u64, u64)> {
        let mut names = std::collections::BTreeMap::new();
        for pallet in [
            frame_system::Pallet::<Test>::storage_metadata(),
            pallet_balances::Pallet::<Test>::storage_metadata(),
            Mindnet::storage_metadata(),
        ] {
            for entry in &pallet.entries {
                let key = [
                    sp_io::hashing::twox_128(pallet.prefix.as_bytes()),
                    sp_io::hashing::twox_128(entry.name.as_bytes()),
                ]
                .concat();
                // As the state machine writes keys in its events.
                let hex = sp_core::hexdisplay::HexDisplay::from(&key).to_string();
                names.insert(hex, format!("{}::{}", pallet.prefix, entry.name));
            }
        }
        let keys = self.keys.lock().expect("not poisoned");
        let mut out = std::collections::BTreeMap::<String, (u64, u64)>::new();
        for (prefix, (r, w)) in &keys.by_prefix {
            // Not an item: a well-known key (`:transaction_level:`), named by its text.
            let text = || {
                let bytes: Vec<u8> = (0..prefix.len() / 2)
                    .filter_map(|i| u8::from_str_radix(prefix.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect();
                String::from_utf8(bytes).unwrap_or_else(|_| prefix.clone())
            };
            let name = names.get(prefix).cloned().unwrap_or_else(text);
            let counts = out.entry(name).or_default();
            counts.0 += r;
            counts.1 += w;
        }
        out
    }
}

/// The two fields of a state event that say what it did and to which key.
#[derive(Default)]
struct Access {
    method: String,
    key: String,
}

impl tracing::field::Visit for Access {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "method" {
            self.method = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "key" | "prefix" => self.key = format!("{value:?}"),
            "method" => self.method = format!("{value:?}").trim_matches('"').to_owned(),
            _ => {}
        }
    }
}

impl tracing::Subscriber for StorageCounter {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "state"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if !self.counting.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut access = Access::default();
        event.record(&mut access);
        let mut keys = self.keys.lock().expect("not poisoned");
        match access.method.as_str() {
            "Get" | "Exists" | "Hash" => keys.reads.insert(access.key),
            "Put" | "Append" | "ClearPrefix" => keys.writes.insert(access.key),
            _ => false,
        };
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn run_scale(n: u32, row: u32, ranking: RankingMode) -> Measured {
    NeuronsLimit::set(n.max(64));
    RowLimit::set(row.max(16));
    let mut ext = new_test_ext();
    // Installed before the first storage access: trace call sites decide once, when first
    // reached, whether anyone listens to them.
    let counter = std::sync::Arc::new(StorageCounter::default());
    let dispatch = tracing::Dispatch::from(counter.clone());
    let _listening = tracing::dispatcher::set_default(&dispatch);
    ext.execute_with(|| {
        Tempo::<Test>::insert(0, 100);
        assert_ok!(Mindnet::populate_generated_network(0, n, row, 42));
        NetworkRanking::<Test>::insert(0, ranking);
        // The first epoch forms bonds; the second, measured, reads and rewrites them. It
        // starts at the first boundary after the first completed (a boundary that fell
        // inside the first is not deferred here, so the measured one starts at a boundary).
        run_to_block(100);
        while RunningEpochs::<Test>::contains_key(0) {
            run_to_block(System::block_number() + 1);
        }
        EpochDeferred::<Test>::remove(0);
        let start = (System::block_number() / 100 + 1) * 100;
        run_to_block(start - 1);
        let (expected, _) = single_pass(start);
        let max_block = <<Test as frame_system::Config>::BlockWeights as Get<
            frame_system::limits::BlockWeights,
        >>::get()
        .max_block
        .ref_time();
        let budget = Mindnet::epoch_budget();
        let scheduling = <<Test as Config>::WeightInfo as WeightInfo>::epoch_start()
            .saturating_add(
                <<Test as frame_system::Config>::DbWeight as Get<
                    frame_support::weights::RuntimeDbWeight,
                >>::get()
                .reads_writes(8, 2),
            );
        let (mut blocks, mut largest, mut total) = (0u32, 0u64, 0u64);
        let (mut reads, mut writes) = (0u64, 0u64);
        loop {
            let now = System::block_number() + 1;
            System::set_block_number(now);
            let used = counter.count(|| Mindnet::on_initialize(now));
            let (r, w) = counter.take_block();
            reads += r;
            writes += w;
            assert!(
                used.all_lte(budget.saturating_add(scheduling)),
                "block {now}: {used:?}"
            );
            blocks += 1;
            largest = largest.max(used.ref_time());
            total += used.ref_time();
            if !RunningEpochs::<Test>::contains_key(0) {
                break;
            }
            // Past its tempo the next epoch would be deferred (tested in `multiblock`);
            // here the blocks an epoch takes are measured.
            assert!(blocks < 5_000, "n = {n}: the epoch did not complete");
        }
        for uid in (0..n).map(|u| u16::try_from(u).expect("uids are u16")) {
            let i = usize::from(uid);
            assert_eq!(
                Mindnet::bond_row(0, uid),
                expected.bonds[i],
                "bonds of {uid}"
            );
            let got = Mindnet::neuron_result(0, uid);
            assert_eq!(got.rank, fixed_to_perbill(expected.rank[i]));
            assert_eq!(got.consensus, fixed_to_perbill(expected.consensus[i]));
            assert_eq!(got.dividends, fixed_to_perbill(expected.dividends[i]));
            assert_eq!(got.emission, expected.emission[i]);
        }
        assert_eq!(
            expected.rank.len(),
            n as usize,
            "the single pass saw every neuron"
        );
        assert!(expected.minted > 0);
        Measured {
            blocks,
            largest_block_percent: largest as f64 * 100.0 / max_block as f64,
            total_seconds: total as f64 / 1e12,
            reads,
            writes,
            by_item: counter.by_item(),
        }
    })
}

#[test]
fn an_epoch_at_the_mocks_size_fits_its_budget_and_equals_the_single_pass() {
    let m = run_scale(64, 16, RankingMode::Direct);
    // Emission is credited with one write per neuron (its stake pool); everything else the
    // epoch writes is paged, a few keys per block.
    let written = |item: &str| m.by_item.get(item).map_or(0, |(_, w)| *w);
    assert_eq!(written("Mindnet::StakePools"), 64);
    assert!(
        m.writes - written("Mindnet::StakePools") <= 40 * u64::from(m.blocks),
        "{:#?}",
        m.by_item
    );
    assert!(
        m.blocks >= 1 && m.blocks < 100,
        "within one tempo of 100 blocks"
    );
    assert!(m.largest_block_percent <= 10.0 + 1.0);
}

#[test]
fn a_transitive_epoch_at_the_mocks_size_fits_its_budget_and_equals_the_single_pass() {
    let direct = run_scale(64, 16, RankingMode::Direct);
    let m = run_scale(64, 16, RankingMode::Transitive);
    // Its passes are further row passes: more weight, never a larger block.
    assert!(
        m.total_seconds > direct.total_seconds,
        "{} vs {}",
        m.total_seconds,
        direct.total_seconds
    );
    assert!(m.largest_block_percent <= 10.0 + 1.0);
}

#[test]
#[ignore = "release profile, minutes: run by scripts/bench/scale.sh"]
fn scale() {
    let sizes = std::env::var("MINDNET_SCALE_N").unwrap_or_else(|_| "4096".into());
    let row = env("MINDNET_SCALE_ROW", 256) as u32;
    let ranking = match std::env::var("MINDNET_SCALE_RANKING").as_deref() {
        Ok("transitive") => RankingMode::Transitive,
        _ => RankingMode::Direct,
    };
    println!("ranking: {ranking:?}");
    println!("| neurons | weights/row | blocks | largest block (% of max) | epoch weight (s) | keys read | keys written | wall (s) |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut runs = Vec::new();
    for n in sizes
        .split(',')
        .filter_map(|s| s.trim().parse::<u32>().ok())
    {
        let start = std::time::Instant::now();
        let m = run_scale(n, row, ranking);
        println!(
            "| {n} | {row} | {} | {:.2} | {:.2} | {} | {} | {:.1} |",
            m.blocks,
            m.largest_block_percent,
            m.total_seconds,
            m.reads,
            m.writes,
            start.elapsed().as_secs_f64()
        );
        // A transitive epoch takes up to `transitive_iterations` more row passes: its
        // blocks are reported, and a network that ranks transitively at this size needs
        // a longer tempo (or its epochs defer, minting every block once).
        assert!(
            ranking == RankingMode::Transitive || m.blocks <= 100,
            "n = {n}: the epoch took {} blocks, more than its tempo of 100",
            m.blocks
        );
        assert!(m.largest_block_percent <= 10.0 + 0.1);
        runs.push((n, m));
    }
    // Where the reads and writes go: keys per storage item over the epoch, for each size.
    let items: std::collections::BTreeSet<&String> =
        runs.iter().flat_map(|(_, m)| m.by_item.keys()).collect();
    let header: String = runs
        .iter()
        .map(|(n, _)| format!(" read, n = {n} | written, n = {n} |"))
        .collect();
    println!("\n| storage item |{header}");
    println!("| --- |{}", " ---: | ---: |".repeat(runs.len()));
    for item in items {
        let counts: String = runs
            .iter()
            .map(|(_, m)| {
                let (r, w) = m.by_item.get(item).copied().unwrap_or_default();
                format!(" {r} | {w} |")
            })
            .collect();
        println!("| {item} |{counts}");
    }
}
