//! Opaque secrets (refresh tokens, reset tokens, calendar tokens): generation and hashing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe. Returned with the hash that is all the database keeps.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hashed = hash_secret(&token);
    (token, hashed)
}

/// SHA-256 is enough here: the secrets carry 256 bits of entropy, so no stretching is needed.
pub fn hash_secret(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
