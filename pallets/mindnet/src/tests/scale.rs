//! The epoch at size: a network of `n` generated neurons with full weight rows runs its
//! epoch under the default budget (10 % of a 2 s block, weights as benchmarked, ParityDB
//! costs), completes within one tempo of 100 blocks, never spends more than the budget in
//! a block, and equals the single-pass computation; the script also prints how many
//! blocks each epoch took.
//!
//! The default test run checks this at the mock's size (64 neurons, 16 weights per row).
//! `scripts/scale.sh` runs the same code in the release profile at 4,096, 16,384 and
//! 65,536 neurons with 256 weights per row:
//!
//! ```text
//! MINDNET_SCALE_N=4096,16384,65536 cargo test --release -p pallet-mindnet scale -- --ignored --nocapture
//! ```

use super::{random_calls::env, *};
use crate::network::fixed_to_perbill;
use frame_support::traits::{Get, Hooks};

/// What one run measured.
struct Measured {
    blocks: u32,
    largest_block_percent: f64,
    total_seconds: f64,
}

fn run_scale(n: u32, row: u32) -> Measured {
    NeuronsLimit::set(n.max(64));
    RowLimit::set(row.max(16));
    let mut ext = new_test_ext();
    ext.execute_with(|| {
        Tempo::<Test>::insert(0, 100);
        assert_ok!(Mindnet::populate_generated_network(0, n, row, 42));
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
        loop {
            let now = System::block_number() + 1;
            System::set_block_number(now);
            let used = Mindnet::on_initialize(now);
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
        }
    })
}

#[test]
fn an_epoch_at_the_mocks_size_fits_its_budget_and_equals_the_single_pass() {
    let m = run_scale(64, 16);
    assert!(
        m.blocks >= 1 && m.blocks < 100,
        "within one tempo of 100 blocks"
    );
    assert!(m.largest_block_percent <= 10.0 + 1.0);
}

#[test]
#[ignore = "release profile, minutes: run by scripts/scale.sh"]
fn scale() {
    let sizes = std::env::var("MINDNET_SCALE_N").unwrap_or_else(|_| "4096".into());
    let row = env("MINDNET_SCALE_ROW", 256) as u32;
    println!("| neurons | weights/row | blocks | largest block (% of max) | epoch weight (s) | wall (s) |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in sizes
        .split(',')
        .filter_map(|s| s.trim().parse::<u32>().ok())
    {
        let start = std::time::Instant::now();
        let m = run_scale(n, row);
        println!(
            "| {n} | {row} | {} | {:.2} | {:.2} | {:.1} |",
            m.blocks,
            m.largest_block_percent,
            m.total_seconds,
            start.elapsed().as_secs_f64()
        );
        assert!(
            m.blocks <= 100,
            "n = {n}: the epoch took {} blocks, more than its tempo of 100",
            m.blocks
        );
        assert!(m.largest_block_percent <= 10.0 + 0.1);
    }
}
