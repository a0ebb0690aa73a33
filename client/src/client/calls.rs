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
        let payload = self.registration_payload(netuid, coldkey, deadline).await?;
        let signature =
            runtime::runtime_types::sp_runtime::MultiSignature::Sr25519(hotkey.sign(&payload));
        Ok(runtime::tx()
            .mindnet()
            .register(netuid, hotkey.account_id(), deadline, signature))
    }
}
