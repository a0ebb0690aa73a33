//! sr25519 keys as Polkadot.js and `subkey` make them: from a mnemonic or a secret URI,
//! signing and verifying.
//!
//! A mnemonic becomes a key exactly as in Polkadot.js and `subkey`: the BIP-39 entropy (not
//! the BIP-39 seed) through PBKDF2-HMAC-SHA512 with salt `"mnemonic" + password`, the first
//! 32 bytes as a schnorrkel mini secret, expanded in Ed25519 mode; then the secret URI's
//! junctions (`//hard`, `/soft`) in order. [`keystore`] writes and opens Polkadot.js JSON
//! keystores; [`ss58`] writes and reads addresses.

pub mod keystore;
pub mod ss58;

pub use keystore::{Encoding, Keystore};
pub use ss58::{address_of, parse_account, ss58_decode, ss58_encode, SS58_PREFIX};

use crate::error::Error;
use schnorrkel::{
    derive::{ChainCode, Derivation},
    ExpansionMode, MiniSecretKey, SecretKey,
};
use subxt::utils::{AccountId32, MultiSignature};
use subxt::PolkadotConfig;
use subxt_signer::{DeriveJunction, ExposeSecret, SecretUri};
use zeroize::Zeroizing;

/// The phrase the well-known development accounts (`//Alice`, `//Bob`, …) derive from.
pub const DEV_PHRASE: &str = subxt_signer::DEV_PHRASE;

/// An sr25519 key pair.
#[derive(Clone)]
pub struct Key {
    pair: schnorrkel::Keypair,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.address())
    }
}

impl Key {
    fn from_secret(secret: SecretKey) -> Self {
        Self {
            pair: secret.to_keypair(),
        }
    }

    /// A new random key and its mnemonic (12 or 24 words).
    pub fn generate(words: usize) -> Result<(Self, Zeroizing<String>), Error> {
        let len = match words {
            12 => 16,
            24 => 32,
            _ => return Err(Error::usage("--words must be 12 or 24")),
        };
        let mut entropy = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(&mut entropy[..len])
            .map_err(|e| Error::internal(format!("no randomness from the system: {e}")))?;
        let mnemonic = bip39::Mnemonic::from_entropy(&entropy[..len])
            .map_err(|e| Error::internal(format!("mnemonic from entropy: {e}")))?;
        let phrase = Zeroizing::new(mnemonic.to_string());
        let key = Self::from_phrase(&phrase, None)?;
        Ok((key, phrase))
    }

    /// The key of a BIP-39 mnemonic (no derivation path), with an optional BIP-39 password.
    pub fn from_phrase(phrase: &str, password: Option<&str>) -> Result<Self, Error> {
        let words = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &words)
            .map_err(|e| {
                Error::usage(format!(
                    "the mnemonic is not a valid English BIP-39 phrase ({e}): check every word"
                ))
            })?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let entropy = Zeroizing::new(entropy);
        let mini = substrate_bip39::mini_secret_from_entropy(
            entropy.get(..len).unwrap_or_default(),
            password.unwrap_or(""),
        )
        .map_err(|e| Error::usage(format!("the mnemonic's entropy is invalid: {e:?}")))?;
        Ok(Self::from_secret(mini.expand(ExpansionMode::Ed25519)))
    }

    /// The key a secret URI names: a mnemonic or `0x`-hex seed, then `//hard` and `/soft`
    /// junctions, then `///password`; `//Alice` alone derives from the development phrase.
    pub fn from_suri(suri: &str) -> Result<Self, Error> {
        let uri: SecretUri = suri.parse().map_err(|_| {
            Error::usage("the secret URI is malformed: write a mnemonic or 0x-hex seed, then //hard or /soft junctions, then ///password (e.g. //Alice)")
        })?;
        let phrase = uri.phrase.expose_secret();
        let root = if let Some(hex_seed) = phrase.strip_prefix("0x") {
            let seed = Zeroizing::new(hex::decode(hex_seed).map_err(|_| {
                Error::usage("the secret URI's seed is not hex: write 0x and 64 hex digits")
            })?);
            let mini = MiniSecretKey::from_bytes(&seed).map_err(|_| {
                Error::usage("the secret URI's seed must be 32 bytes (64 hex digits)")
            })?;
            mini.expand(ExpansionMode::Ed25519)
        } else {
            let password = uri.password.as_ref().map(|p| p.expose_secret().to_string());
            Self::from_phrase(phrase, password.as_deref())?
                .pair
                .secret
                .clone()
        };
        let secret = uri
            .junctions
            .iter()
            .fold(root, |secret, junction| match junction {
                DeriveJunction::Soft(cc) => secret.derived_key_simple(ChainCode(*cc), []).0,
                DeriveJunction::Hard(cc) => secret
                    .hard_derive_mini_secret_key(Some(ChainCode(*cc)), b"")
                    .0
                    .expand(ExpansionMode::Ed25519),
            });
        Ok(Self::from_secret(secret))
    }

    /// The 32-byte public key (the account id).
    pub fn public(&self) -> [u8; 32] {
        self.pair.public.to_bytes()
    }

    /// The account id.
    pub fn account_id(&self) -> AccountId32 {
        AccountId32(self.public())
    }

    /// The SS58 address with Mindnet's prefix.
    pub fn address(&self) -> String {
        ss58_encode(&self.public(), SS58_PREFIX)
    }

    /// An sr25519 signature over `message` (signing context `substrate`, as every Substrate
    /// chain and Polkadot.js use).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let context = schnorrkel::signing_context(b"substrate");
        self.pair.sign(context.bytes(message)).to_bytes()
    }

    /// Whether `signature` is `public`'s sr25519 signature over `message` (signing context
    /// `substrate`, as [`Key::sign`] makes them).
    pub fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        let (Ok(public), Ok(signature)) = (
            schnorrkel::PublicKey::from_bytes(public),
            schnorrkel::Signature::from_bytes(signature),
        ) else {
            return false;
        };
        let context = schnorrkel::signing_context(b"substrate");
        public.verify(context.bytes(message), &signature).is_ok()
    }
}

impl subxt::tx::Signer<PolkadotConfig> for Key {
    fn account_id(&self) -> AccountId32 {
        Key::account_id(self)
    }

    fn sign(&self, payload: &[u8]) -> MultiSignature {
        MultiSignature::Sr25519(Key::sign(self, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const PHRASE: &str =
        "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

    fn generic(key: &Key) -> String {
        ss58_encode(&key.public(), 42)
    }

    #[test]
    fn same_addresses_as_polkadot_js_and_subkey() {
        // Addresses Polkadot.js 14 gives these URIs (ss58Format 42).
        let cases = [
            (
                PHRASE.to_string(),
                "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV",
            ),
            (
                "//Alice".to_string(),
                "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            ),
            (
                "//Alice/stash".to_string(),
                "5DZnGRAr28KP4GvbuxW2cBNo9Aodcm4QKUMj3Zqj67YjYStr",
            ),
            (
                format!("{PHRASE}//hard/soft"),
                "5F9Awe4TLRmnDEtqq1AWMsJFRoFPctHt5Licz4B6X5LoWV9e",
            ),
            (
                format!("{PHRASE}///pw"),
                "5HVquMWVR2cemSfuHeWupmEEgiTDjdNpCrPk4iKeBmL9qnKD",
            ),
        ];
        for (suri, address) in cases {
            assert_eq!(generic(&Key::from_suri(&suri).unwrap()), address, "{suri}");
        }
        let signer = subxt_signer::sr25519::dev::alice();
        assert_eq!(
            Key::from_suri("//Alice").unwrap().public(),
            signer.public_key().0
        );
    }

    #[test]
    fn ss58_round_trip_and_errors() {
        let key = Key::from_suri("//Bob").unwrap();
        let address = key.address();
        assert_eq!(ss58_decode(&address).unwrap(), key.public());
        assert_eq!(ss58_decode(&generic(&key)).unwrap(), key.public());
        let hex = format!("0x{}", hex::encode(key.public()));
        assert_eq!(ss58_decode(&hex).unwrap(), key.public());
        let mut typo = address.clone().into_bytes();
        let last = typo.len() - 1;
        typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        assert!(ss58_decode(&typo).is_err());
        assert!(ss58_decode("not an address").is_err());
        assert!(ss58_decode("0x1234").is_err());
    }

    #[test]
    fn generated_mnemonics_restore_the_same_key() {
        for words in [12, 24] {
            let (key, phrase) = Key::generate(words).unwrap();
            assert_eq!(phrase.split(' ').count(), words);
            assert_eq!(
                Key::from_phrase(&phrase, None).unwrap().public(),
                key.public()
            );
        }
        assert!(Key::generate(15).is_err());
        assert!(Key::from_phrase("not a mnemonic at all", None).is_err());
    }
}
