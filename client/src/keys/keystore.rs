//! Polkadot.js JSON keystores (version 3): a key written sealed under a password or in the
//! clear, and opened again (ours or one Polkadot.js exported).
//!
//! `encoding.content = ["pkcs8","sr25519"]`: `PKCS8_HEADER ‖ secret (64 bytes, schnorrkel's
//! "ed25519" form) ‖ PKCS8_DIVIDER ‖ public (32 bytes)`, either in the clear
//! (`type = ["none"]`) or sealed with `xsalsa20-poly1305` under a key from
//! `scrypt(password, salt)`; `encoded` is `base64(salt ‖ N ‖ p ‖ r ‖ nonce ‖ sealed)`.

use super::{ss58_decode, Key};
use crate::error::Error;
use base64::Engine;
use crypto_secretbox::{aead::Aead, KeyInit, XSalsa20Poly1305};
use schnorrkel::SecretKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

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

impl Key {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::tests::PHRASE;

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
        let sealed = include_str!("../../tests/fixtures/pjs-sealed.json");
        let clear = include_str!("../../tests/fixtures/pjs-clear.json");
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
}
