//! Networks generated at genesis for watching epochs at size (the `scale` preset).

use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::fungible::Mutate, BoundedVec};
use sp_runtime::traits::{BlakeTwo256, Hash, Saturating, TrailingZeroInput, UniqueSaturatedFrom};

/// xorshift64*: deterministic, so every node builds the same genesis.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }
}

impl<T: Config> Pallet<T> {
    /// Fills the existing, empty network `netuid` with `neurons` generated neurons: hotkey
    /// `i` (its own owner) is derived from `(seed, i)` and has no known private key; it
    /// stakes between 1 and 1,000 tokens (10⁹ base units each, minted into the stake
    /// account) and holds a weight row of `row` distinct random uids with random values,
    /// set as of block 1. Genesis only.
    pub fn populate_generated_network(
        netuid: u16,
        neurons: u32,
        row: u32,
        seed: u64,
    ) -> DispatchResult {
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        ensure!(
            NeuronCount::<T>::get(netuid) == 0 && neurons <= T::MaxNeurons::get(),
            Error::<T>::ParameterOutOfRange
        );
        let row = row
            .min(T::MaxWeightsPerRow::get())
            .min(neurons)
            .max(u32::from(MinAllowedWeights::<T>::get(netuid)));
        MaxWeightsPerRow::<T>::insert(netuid, u16::try_from(row).unwrap_or(u16::MAX));
        ensure!(neurons >= 1 && row >= 1, Error::<T>::ParameterOutOfRange);
        let mut rng = Generator(seed | 1);
        let mut total: u128 = 0;
        for i in 0..neurons {
            let uid = u16::try_from(i).map_err(|_| Error::<T>::ParameterOutOfRange)?;
            let hash = BlakeTwo256::hash(&(b"mindnet/generated", netuid, seed, i).encode()).0;
            let hotkey = T::AccountId::decode(&mut TrailingZeroInput::new(&hash))
                .map_err(|_| Error::<T>::ParameterOutOfRange)?;
            Owner::<T>::insert(&hotkey, &hotkey);
            HotkeyNetworks::<T>::mutate(&hotkey, |c| *c = c.saturating_add(1));
            HotkeyPools::<T>::mutate(&hotkey, |c| *c = c.saturating_add(1));
            Keys::<T>::insert(netuid, uid, &hotkey);
            Uids::<T>::insert(netuid, &hotkey, uid);
            RegisteredAt::<T>::insert(netuid, uid, 0);
            let stake =
                u128::from(rng.below(1_000).saturating_add(1)).saturating_mul(1_000_000_000);
            total = total.saturating_add(stake);
            let value = BalanceOf::<T>::unique_saturated_from(stake);
            StakePools::<T>::insert(
                netuid,
                &hotkey,
                StakePool {
                    value,
                    shares: stake,
                    counted: value,
                    ..Default::default()
                },
            );
            StakePositions::<T>::insert(
                (netuid, &hotkey, &hotkey),
                StakePosition {
                    shares: stake,
                    ..Default::default()
                },
            );
            ColdkeyPositions::<T>::insert((&hotkey, netuid, &hotkey), ());
            let mut uids: Vec<u16> = Vec::with_capacity(row as usize);
            while uids.len() < row as usize {
                let j = u16::try_from(rng.below(u64::from(neurons))).unwrap_or(0);
                if !uids.contains(&j) {
                    uids.push(j);
                }
            }
            uids.sort_unstable();
            let weights: Vec<(u16, u16)> = uids
                .into_iter()
                .map(|j| {
                    (
                        j,
                        u16::try_from(rng.below(65_535).saturating_add(1)).unwrap_or(1),
                    )
                })
                .collect();
            Weights::<T>::insert(netuid, uid, BoundedVec::truncate_from(weights));
            LastUpdate::<T>::insert(netuid, uid, 1);
        }
        NeuronCount::<T>::insert(netuid, neurons);
        let total = BalanceOf::<T>::unique_saturated_from(total);
        T::Currency::mint_into(&Self::stake_account(), total)?;
        TotalStake::<T>::mutate(|t| *t = t.saturating_add(total));
        Ok(())
    }
}
