//! sr25519 keys as Polkadot.js and `subkey` make them, and Polkadot.js JSON keystores.
//!
//! - A mnemonic becomes a key exactly as in Polkadot.js and `subkey`: the BIP-39 entropy
//!   (not the BIP-39 seed) through PBKDF2-HMAC-SHA512 with salt `"mnemonic" + password`,
//!   the first 32 bytes as a schnorrkel mini secret, expanded in Ed25519 mode; then the
//!   secret URI's junctions (`//hard`, `/soft`) in order.
//! - A keystore is Polkadot.js's version 3 JSON (`encoding.content = ["pkcs8","sr25519"]`):
//!   `PKCS8_HEADER ‖ secret (64 bytes, schnorrkel's "ed25519" form) ‖ PKCS8_DIVIDER ‖
//!   public (32 bytes)`, either in the clear (`type = ["none"]`) or sealed with
//!   `xsalsa20-poly1305` under a key from `scrypt(password, salt)`; `encoded` is
//!   `base64(salt ‖ N ‖ p ‖ r ‖ nonce ‖ sealed)`.

use crate::error::Error;
use base64::Engine;
use crypto_secretbox::{aead::Aead, KeyInit, XSalsa20Poly1305};
use schnorrkel::{
    derive::{ChainCode, Derivation},
    ExpansionMode, MiniSecretKey, SecretKey,
};
use serde::{Deserialize, Serialize};
use subxt::utils::{AccountId32, MultiSignature};
use subxt::PolkadotConfig;
use subxt_signer::{DeriveJunction, ExposeSecret, SecretUri};
use zeroize::Zeroizing;

/// Mindnet's SS58 address prefix.
pub const SS58_PREFIX: u16 = 7734;

/// The phrase the well-known development accounts (`//Alice`, `//Bob`, …) derive from.
pub const DEV_PHRASE: &str = subxt_signer::DEV_PHRASE;

const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
const PLAINTEXT_LEN: usize = 16 + 64 + 5 + 32;
/// The scrypt parameters (N, p, r) Polkadot.js accepts, as it lists them.
const SCRYPT_ALLOWED: [(u32, u32, u32); 6] = [
    (1 << 13, 10, 8),
    (1 << 14, 5, 8),
    (1 << 15, 3, 8),
    (1 << 15, 1, 8),
    (1 << 16, 2, 8),
    (1 << 17, 1, 8),
];
/// The parameters keystores are written with: Polkadot.js's own default.
const SCRYPT_WRITE: (u32, u32, u32) = (1 << 17, 1, 8);
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = SALT_LEN + 12 + NONCE_LEN;

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

    /// The key as a Polkadot.js JSON keystore: encrypted under `password`, or in the clear
    /// when `password` is `None`.
    pub fn to_keystore(&self, password: Option<&str>, name: &str) -> Result<Keystore, Error> {
        let mut plain = Zeroizing::new(Vec::with_capacity(PLAINTEXT_LEN));
        plain.extend_from_slice(&PKCS8_HEADER);
        plain.extend_from_slice(&self.pair.secret.to_ed25519_bytes());
        plain.extend_from_slice(&PKCS8_DIVIDER);
        plain.extend_from_slice(&self.public());
        let b64 = base64::engine::general_purpose::STANDARD;
        let (encoded, kind) = match password {
            None => (b64.encode(&plain[..]), vec!["none".to_string()]),
            Some(password) => {
                let mut salt = [0u8; SALT_LEN];
                let mut nonce = [0u8; NONCE_LEN];
                getrandom::getrandom(&mut salt)
                    .and_then(|()| getrandom::getrandom(&mut nonce))
                    .map_err(|e| Error::internal(format!("no randomness from the system: {e}")))?;
                let (n, p, r) = SCRYPT_WRITE;
                let cipher = XSalsa20Poly1305::new(&scrypt_key(password, &salt, n, p, r)?);
                let sealed = cipher
                    .encrypt(&nonce.into(), &plain[..])
                    .map_err(|_| Error::internal("xsalsa20-poly1305 encryption failed"))?;
                let mut bytes = Vec::with_capacity(HEADER_LEN + sealed.len());
                bytes.extend_from_slice(&salt);
                bytes.extend_from_slice(&n.to_le_bytes());
                bytes.extend_from_slice(&p.to_le_bytes());
                bytes.extend_from_slice(&r.to_le_bytes());
                bytes.extend_from_slice(&nonce);
                bytes.extend_from_slice(&sealed);
                (
                    b64.encode(bytes),
                    vec!["scrypt".to_string(), "xsalsa20-poly1305".to_string()],
                )
            }
        };
        let when = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Ok(Keystore {
            encoded,
            encoding: Encoding {
                content: vec!["pkcs8".to_string(), "sr25519".to_string()],
                kind,
                version: "3".to_string(),
            },
            address: self.address(),
            meta: serde_json::json!({ "name": name, "whenCreated": when }),
        })
    }

    /// Opens a keystore (ours or one Polkadot.js exported). An encrypted one needs its
    /// password; an unencrypted one ignores it.
    pub fn from_keystore(keystore: &Keystore, password: Option<&str>) -> Result<Self, Error> {
        let e = &keystore.encoding;
        let has = |list: &[String], x: &str| list.iter().any(|k| k == x);
        if e.version != "3" || !has(&e.content, "pkcs8") || !has(&e.content, "sr25519") {
            return Err(Error::usage(format!(
                "the keystore is not a version 3 pkcs8 sr25519 keystore (version {:?}, content {:?}): export an sr25519 account from Polkadot.js",
                e.version, e.content
            )));
        }
        let text = keystore.encoded.trim();
        let bytes = match text.strip_prefix("0x") {
            Some(h) => hex::decode(h).ok(),
            None => base64::engine::general_purpose::STANDARD.decode(text).ok(),
        }
        .ok_or_else(|| Error::usage("the keystore's `encoded` field is neither base64 nor hex"))?;
        let plain = if has(&e.kind, "xsalsa20-poly1305") {
            let password = password.ok_or_else(|| {
                Error::usage("the keystore is encrypted: give its password (prompt, --password-file or MINDNET_PASSWORD)")
            })?;
            Zeroizing::new(open_sealed(&bytes, password)?)
        } else if has(&e.kind, "none") {
            Zeroizing::new(bytes)
        } else {
            return Err(Error::usage(format!(
                "the keystore's encoding {:?} is not supported: use scrypt + xsalsa20-poly1305 or none",
                e.kind
            )));
        };
        let key = Self::from_pkcs8(&plain)?;
        if let Ok(expected) = ss58_decode(&keystore.address) {
            if expected != key.public() {
                return Err(Error::usage(format!(
                    "the keystore's key does not match its address {}: the file is damaged",
                    keystore.address
                )));
            }
        }
        Ok(key)
    }

    fn from_pkcs8(plain: &[u8]) -> Result<Self, Error> {
        let damaged = || Error::usage("the keystore's key is not a valid sr25519 pkcs8 key");
        if plain.len() != PLAINTEXT_LEN
            || plain.get(..16) != Some(&PKCS8_HEADER[..])
            || plain.get(80..85) != Some(&PKCS8_DIVIDER[..])
        {
            return Err(damaged());
        }
        let secret = SecretKey::from_ed25519_bytes(plain.get(16..80).ok_or_else(damaged)?)
            .map_err(|_| damaged())?;
        let key = Self::from_secret(secret);
        if plain.get(85..) != Some(&key.public()[..]) {
            return Err(damaged());
        }
        Ok(key)
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

fn scrypt_key(
    password: &str,
    salt: &[u8],
    n: u32,
    p: u32,
    r: u32,
) -> Result<crypto_secretbox::Key, Error> {
    if !SCRYPT_ALLOWED.contains(&(n, p, r)) {
        return Err(Error::usage(format!(
            "the keystore's scrypt parameters (N={n}, p={p}, r={r}) are not ones Polkadot.js uses"
        )));
    }
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p, 32)
        .map_err(|e| Error::usage(format!("the keystore's scrypt parameters are invalid: {e}")))?;
    let mut key = crypto_secretbox::Key::default();
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut key)
        .map_err(|e| Error::internal(format!("scrypt failed: {e}")))?;
    Ok(key)
}

fn open_sealed(bytes: &[u8], password: &str) -> Result<Vec<u8>, Error> {
    let short = || Error::usage("the keystore's `encoded` field is too short to be a keystore");
    let word = |at: usize| -> Result<u32, Error> {
        let b: [u8; 4] = bytes
            .get(at..at.saturating_add(4))
            .and_then(|s| s.try_into().ok())
            .ok_or_else(short)?;
        Ok(u32::from_le_bytes(b))
    };
    let salt = bytes.get(..SALT_LEN).ok_or_else(short)?;
    let (n, p, r) = (word(SALT_LEN)?, word(SALT_LEN + 4)?, word(SALT_LEN + 8)?);
    let nonce = bytes.get(SALT_LEN + 12..HEADER_LEN).ok_or_else(short)?;
    let sealed = bytes.get(HEADER_LEN..).ok_or_else(short)?;
    let cipher = XSalsa20Poly1305::new(&scrypt_key(password, salt, n, p, r)?);
    cipher
        .decrypt(nonce.into(), sealed)
        .map_err(|_| Error::usage("wrong password for this keystore: try again"))
}

/// A Polkadot.js JSON keystore (version 3).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Keystore {
    /// The pkcs8 key, sealed or in the clear, in base64 (hex with `0x` is read too).
    pub encoded: String,
    /// How `encoded` is made.
    pub encoding: Encoding,
    /// The key's SS58 address.
    pub address: String,
    /// Free-form metadata (`name`, `whenCreated`, …).
    #[serde(default)]
    pub meta: serde_json::Value,
}

/// A keystore's `encoding` field.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Encoding {
    /// `["pkcs8", "sr25519"]`.
    pub content: Vec<String>,
    /// `["scrypt", "xsalsa20-poly1305"]` or `["none"]`.
    #[serde(rename = "type", deserialize_with = "one_or_many")]
    pub kind: Vec<String>,
    /// `"3"`.
    pub version: String,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl Keystore {
    /// Whether opening it needs a password.
    pub fn is_encrypted(&self) -> bool {
        self.encoding.kind.iter().any(|k| k == "xsalsa20-poly1305")
    }

    /// Parses keystore JSON.
    pub fn parse(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| {
            Error::usage(format!(
                "the file is not a Polkadot.js JSON keystore ({e}): export the account from Polkadot.js as JSON"
            ))
        })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

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
    fn keystore_round_trips_and_subxt_signer_opens_it() {
        let key = Key::from_suri("//Charlie").unwrap();
        let store = key.to_keystore(Some("s3cret"), "charlie").unwrap();
        assert!(store.is_encrypted());
        let json = serde_json::to_string(&store).unwrap();
        // An independent decoder: subxt-signer's Polkadot.js compatibility module.
        let theirs = subxt_signer::polkadot_js_compat::decrypt_json(&json, "s3cret").unwrap();
        assert_eq!(theirs.public_key().0, key.public());
        let ours = Key::from_keystore(&Keystore::parse(&json).unwrap(), Some("s3cret")).unwrap();
        assert_eq!(ours.public(), key.public());
        let wrong = Key::from_keystore(&store, Some("nope")).unwrap_err();
        assert!(wrong.to_string().contains("wrong password"), "{wrong}");
        assert!(Key::from_keystore(&store, None).is_err());
        // In the clear.
        let clear = key.to_keystore(None, "charlie").unwrap();
        assert!(!clear.is_encrypted());
        assert_eq!(
            Key::from_keystore(&clear, None).unwrap().public(),
            key.public()
        );
    }

    #[test]
    fn opens_keystores_polkadot_js_exported() {
        // Made by @polkadot/keyring 14.0.3 from PHRASE: `pair.toJson("testpass")`, `toJson()`.
        let sealed = include_str!("../tests/fixtures/pjs-sealed.json");
        let clear = include_str!("../tests/fixtures/pjs-clear.json");
        let expected = Key::from_phrase(PHRASE, None).unwrap().public();
        let store = Keystore::parse(sealed).unwrap();
        assert_eq!(
            Key::from_keystore(&store, Some("testpass"))
                .unwrap()
                .public(),
            expected
        );
        assert!(Key::from_keystore(&store, Some("testpas")).is_err());
        let store = Keystore::parse(clear).unwrap();
        assert_eq!(Key::from_keystore(&store, None).unwrap().public(), expected);
    }

    #[test]
    fn damaged_keystores_are_refused() {
        let key = Key::from_suri("//Dave").unwrap();
        let mut store = key.to_keystore(None, "dave").unwrap();
        store.address = Key::from_suri("//Eve").unwrap().address();
        assert!(Key::from_keystore(&store, None)
            .unwrap_err()
            .to_string()
            .contains("does not match"));
        let mut store = key.to_keystore(None, "dave").unwrap();
        store.encoded = "AAAA".into();
        assert!(Key::from_keystore(&store, None).is_err());
        assert!(Keystore::parse("{}").is_err());
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
