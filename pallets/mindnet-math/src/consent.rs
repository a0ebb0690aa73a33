//! What a hotkey signs to consent to its registration, shared by the pallet (which checks
//! it) and the clients (which compute it themselves instead of trusting a node for it).
//!
//! The *payload* is the BLAKE2-256 hash of the SCALE encoding of
//! `(b"mindnet/register", genesis_hash, netuid, coldkey, deadline)`: binding the coldkey
//! stops a front-runner from reusing the signature; the genesis hash, another chain; the
//! deadline, a signature found much later. [`consent_preimage`] lays those bytes out.
//!
//! The hotkey signs the payload *wrapped* as `<Bytes>payload</Bytes>` ([`wrap`]), the
//! convention of Polkadot.js's `signRaw` and of browser wallets for raw messages: a
//! signature over wrapped bytes can never be taken for a signature over a transaction's
//! payload, so a consent cannot be replayed as a transfer, nor a wallet tricked into
//! signing a transaction by calling it a consent.

use alloc::vec::Vec;

/// The domain tag at the start of every registration consent preimage.
pub const REGISTRATION_CONSENT_TAG: &[u8; 16] = b"mindnet/register";
/// What a wrapped message starts with.
pub const WRAP_PREFIX: &[u8; 7] = b"<Bytes>";
/// What a wrapped message ends with.
pub const WRAP_SUFFIX: &[u8; 8] = b"</Bytes>";

/// The bytes whose BLAKE2-256 hash is the consent payload: the SCALE encoding of
/// `(REGISTRATION_CONSENT_TAG, genesis, netuid, coldkey, deadline)` (a fixed-size array
/// encodes as its bytes, integers little-endian).
pub fn consent_preimage(
    genesis: &[u8; 32],
    netuid: u16,
    coldkey: &[u8; 32],
    deadline: u64,
) -> Vec<u8> {
    // 16 + 32 + 2 + 32 + 8 bytes.
    let mut out = Vec::with_capacity(90);
    out.extend_from_slice(REGISTRATION_CONSENT_TAG);
    out.extend_from_slice(genesis);
    out.extend_from_slice(&netuid.to_le_bytes());
    out.extend_from_slice(coldkey);
    out.extend_from_slice(&deadline.to_le_bytes());
    out
}

/// `<Bytes>payload</Bytes>`: what the hotkey signs.
pub fn wrap(payload: &[u8; 32]) -> Vec<u8> {
    // 7 + 32 + 8 bytes.
    let mut out = Vec::with_capacity(47);
    out.extend_from_slice(WRAP_PREFIX);
    out.extend_from_slice(payload);
    out.extend_from_slice(WRAP_SUFFIX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;

    #[test]
    fn the_preimage_is_the_scale_encoding_of_the_tuple() {
        let (genesis, coldkey) = ([7u8; 32], [9u8; 32]);
        let scale = (REGISTRATION_CONSENT_TAG, genesis, 3u16, coldkey, 1_234u64).encode();
        assert_eq!(consent_preimage(&genesis, 3, &coldkey, 1_234), scale);
        let w = wrap(&[1; 32]);
        assert_eq!(&w[..7], b"<Bytes>");
        assert_eq!(&w[39..], b"</Bytes>");
        assert_eq!(w.len(), 47);
    }
}
