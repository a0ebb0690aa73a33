//! SS58 addresses: Mindnet's prefix, and account ids written and read with their checksum.

use crate::error::Error;
use subxt::utils::AccountId32;

/// Mindnet's SS58 address prefix.
pub const SS58_PREFIX: u16 = 7734;

const SS58_CONTEXT: &[u8] = b"SS58PRE";

fn ss58_checksum(data: &[u8]) -> [u8; 2] {
    use blake2::{Blake2b512, Digest};
    let hash = Blake2b512::new()
        .chain_update(SS58_CONTEXT)
        .chain_update(data)
        .finalize();
    [hash[0], hash[1]]
}

/// The SS58 address of a 32-byte account id under `prefix`.
pub fn ss58_encode(public: &[u8; 32], prefix: u16) -> String {
    let mut data = if prefix < 64 {
        vec![prefix as u8]
    } else {
        vec![
            (((prefix & 0b1111_1100) as u8) >> 2) | 0b0100_0000,
            ((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6),
        ]
    };
    data.extend_from_slice(public);
    let checksum = ss58_checksum(&data);
    data.extend_from_slice(&checksum);
    bs58::encode(data).into_string()
}

/// The account id of an SS58 address (any prefix; the checksum is checked) or of `0x` and
/// 64 hex digits.
pub fn ss58_decode(address: &str) -> Result<[u8; 32], Error> {
    let bad = || {
        Error::usage(format!(
            "{address:?} is not an account address: give an SS58 address (e.g. from `mindnet wallet show`) or 0x and 64 hex digits"
        ))
    };
    if let Some(h) = address.strip_prefix("0x") {
        return hex::decode(h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad);
    }
    let data = bs58::decode(address).into_vec().map_err(|_| bad())?;
    let prefix_len = match data.first() {
        Some(b) if *b < 64 => 1,
        Some(b) if *b < 128 => 2,
        _ => return Err(bad()),
    };
    if data.len() != prefix_len + 32 + 2 {
        return Err(bad());
    }
    let (body, checksum) = data.split_at(prefix_len + 32);
    if ss58_checksum(body) != checksum {
        return Err(Error::usage(format!(
            "{address:?} has a wrong checksum: a character was mistyped"
        )));
    }
    body.get(prefix_len..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)
}

/// `account` as a Mindnet address.
pub fn address_of(account: &AccountId32) -> String {
    ss58_encode(&account.0, SS58_PREFIX)
}

/// The account id an address names (as [`ss58_decode`] reads it).
pub fn parse_account(address: &str) -> Result<AccountId32, Error> {
    Ok(AccountId32(ss58_decode(address)?))
}
