//! The calls the `mindnet` command line and the learner submit, built from plain arguments
//! (a registration also reads the chain and signs the hotkey's consent).

use super::Client;
use crate::error::Result;
use crate::keys::Key;
use crate::runtime;
use crate::runtime::runtime_types::pallet_mindnet::network::NetworkParameter;
use std::net::IpAddr;
use std::time::Duration;
use subxt::transactions::Payload;
use subxt::utils::{AccountId32, MultiAddress};

/// An axon's IP as `serve_axon` takes it: the address as a `u128` and its type (4 or 6).
pub fn axon_ip(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        IpAddr::V6(v6) => (u128::from(v6), 6),
    }
}

/// Whether `serve_axon` takes `ip` on a chain that refuses non-routable axons: the
/// pallet's own rule (`mindnet_math::axon`).
pub fn routable(ip: IpAddr) -> bool {
    let (ip, ip_type) = axon_ip(ip);
    mindnet_math::axon::is_valid(ip, ip_type) && mindnet_math::axon::is_routable(ip, ip_type)
}

/// `Balances.transfer_keep_alive`: send `amount` base units to `to`.
pub fn transfer(to: AccountId32, amount: u128) -> impl Payload {
    runtime::tx()
        .balances()
        .transfer_keep_alive(MultiAddress::Id(to), amount)
}

/// `Mindnet.add_stake`: stake `amount` base units behind `hotkey` on `netuid`.
pub fn add_stake(netuid: u16, hotkey: AccountId32, amount: u128) -> impl Payload {
    runtime::tx().mindnet().add_stake(netuid, hotkey, amount)
}

/// `Mindnet.remove_stake`: withdraw `amount` base units from behind `hotkey` on `netuid`.
pub fn remove_stake(netuid: u16, hotkey: AccountId32, amount: u128) -> impl Payload {
    runtime::tx().mindnet().remove_stake(netuid, hotkey, amount)
}

/// `Mindnet.set_take`: the share (parts per billion) of `hotkey`'s emission its owner takes.
pub fn set_take(hotkey: AccountId32, parts_per_billion: u32) -> impl Payload {
    runtime::tx().mindnet().set_take(
        hotkey,
        runtime::runtime_types::sp_arithmetic::per_things::Perbill(parts_per_billion),
    )
}

/// `Mindnet.remove_all_stake`: the signer's whole position behind `hotkey` on `netuid`.
pub fn remove_all_stake(netuid: u16, hotkey: AccountId32) -> impl Payload {
    runtime::tx().mindnet().remove_all_stake(netuid, hotkey)
}

/// `Mindnet.set_weights`: a row as the chain takes it (see
/// [`crate::weights::to_chain_row`]) under the network's version key.
pub fn set_weights(
    netuid: u16,
    uids: Vec<u16>,
    values: Vec<u16>,
    version_key: u64,
) -> impl Payload {
    runtime::tx()
        .mindnet()
        .set_weights(netuid, uids, values, version_key)
}

/// `Mindnet.commit_weights`: commit to a row by its hash
/// ([`crate::commits::commit_hash`]).
pub fn commit_weights(netuid: u16, hash: [u8; 32]) -> impl Payload {
    runtime::tx().mindnet().commit_weights(netuid, hash)
}

/// `Mindnet.reveal_weights`: reveal a committed row with its version key and salt.
pub fn reveal_weights(
    netuid: u16,
    uids: Vec<u16>,
    values: Vec<u16>,
    version_key: u64,
    salt: [u8; 32],
) -> impl Payload {
    runtime::tx()
        .mindnet()
        .reveal_weights(netuid, uids, values, version_key, salt)
}

/// `Mindnet.serve_axon`: the signing hotkey serves at `ip:port`, speaking `protocol`.
pub fn serve_axon(netuid: u16, ip: IpAddr, port: u16, protocol: u8) -> impl Payload {
    let (bits, ip_type) = axon_ip(ip);
    runtime::tx()
        .mindnet()
        .serve_axon(netuid, bits, port, ip_type, protocol)
}

/// `Sudo.sudo(Mindnet.set_parameter)`: set one of `netuid`'s parameters (see
/// [`crate::params::parse_parameter`]); only the sudo key may sign it.
pub fn set_parameter(netuid: u16, parameter: NetworkParameter<u128>) -> impl Payload {
    let inner = runtime::runtime_types::mindnet_runtime::RuntimeCall::Mindnet(
        runtime::runtime_types::pallet_mindnet::pallet::Call::set_parameter { netuid, parameter },
    );
    runtime::tx().sudo().sudo(inner)
}

/// `Sudo.sudo(Mindnet.create_network(netuid))`.
pub fn create_network(netuid: u16) -> impl Payload {
    let inner = runtime::runtime_types::mindnet_runtime::RuntimeCall::Mindnet(
        runtime::runtime_types::pallet_mindnet::pallet::Call::create_network { netuid },
    );
    runtime::tx().sudo().sudo(inner)
}

impl Client {
    /// `Mindnet.register` of `hotkey` on `netuid`, for `coldkey` to sign: the hotkey
    /// consents by signing the registration payload, valid for 100 blocks.
    pub async fn register_call(
        &self,
        netuid: u16,
        coldkey: &AccountId32,
        hotkey: &Key,
    ) -> Result<impl Payload> {
        // The runtime learns the genesis hash (part of the consent) only in block 1.
        let mut best = self.best_number().await?;
        let waited = std::time::Instant::now();
        while best == 0 && waited.elapsed() < self.timeout() {
            tokio::time::sleep(Duration::from_millis(500)).await;
            best = self.best_number().await?;
        }
        let deadline = best.saturating_add(100);
        // The payload is computed here, from the genesis hash pinned at connect; the
        // node's is only compared with it (a node that hands out another coldkey's or
        // chain's payload would take the hotkey with the signature).
        let local = consent_payload(&self.genesis_hash(), netuid, &coldkey.0, deadline);
        let from_node = self.registration_payload(netuid, coldkey, deadline).await?;
        let payload = checked_consent(local, from_node)?;
        let signature = runtime::runtime_types::sp_runtime::MultiSignature::Sr25519(
            hotkey.sign(&mindnet_math::consent::wrap(&payload)),
        );
        Ok(runtime::tx()
            .mindnet()
            .register(netuid, hotkey.account_id(), deadline, signature))
    }
}

/// The consent payload a hotkey signs (wrapped, [`mindnet_math::consent::wrap`]) for
/// `coldkey` to register it on `netuid` of the chain with `genesis`, valid up to block
/// `deadline`: the BLAKE2-256 hash of [`mindnet_math::consent::consent_preimage`], as the
/// pallet computes it.
pub fn consent_payload(
    genesis: &[u8; 32],
    netuid: u16,
    coldkey: &[u8; 32],
    deadline: u64,
) -> [u8; 32] {
    use blake2::{digest::consts::U32, Blake2b, Digest};
    let preimage = mindnet_math::consent::consent_preimage(genesis, netuid, coldkey, deadline);
    Blake2b::<U32>::digest(&preimage).into()
}

/// `local`, the payload computed here, if the node's agrees; otherwise a refusal to sign.
pub fn checked_consent(local: [u8; 32], from_node: [u8; 32]) -> Result<[u8; 32]> {
    if local == from_node {
        Ok(local)
    } else {
        Err(crate::error::Error::rejected(format!(
            "the node's consent payload 0x{} is not the one computed here for this coldkey, network and chain (0x{}): refusing to sign it (a node that hands out another coldkey's payload would take the hotkey); use a node you trust",
            hex::encode(from_node),
            hex::encode(local)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_for_another_coldkey_is_refused() {
        let genesis = [3u8; 32];
        let (mine, attacker) = ([1u8; 32], [2u8; 32]);
        let local = consent_payload(&genesis, 0, &mine, 100);
        assert_eq!(checked_consent(local, local).unwrap(), local);
        // A node hands out the payload for the attacker's coldkey, another chain, or
        // another deadline: the client refuses to sign any of them.
        for other in [
            consent_payload(&genesis, 0, &attacker, 100),
            consent_payload(&[4; 32], 0, &mine, 100),
            consent_payload(&genesis, 1, &mine, 100),
            consent_payload(&genesis, 0, &mine, 10_000),
        ] {
            let e = checked_consent(local, other).unwrap_err();
            assert!(e.to_string().contains("refusing to sign"), "{e}");
        }
    }
}
