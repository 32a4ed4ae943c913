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

/// A secret for one record, derived from a server key: HMAC-SHA256(key, purpose NUL id),
/// URL-safe. A sender can rebuild it from the record's id whenever it sends, so the link never
/// sits in the database (an outbox row waiting for SMTP holds only the id); only its hash does.
pub fn derived_secret(key: &[u8], purpose: &str, id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(id.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_secrets_differ_by_key_purpose_and_id() {
        let a = derived_secret(b"key one", "password-reset", "id-1");
        assert_eq!(a, derived_secret(b"key one", "password-reset", "id-1"));
        assert_eq!(a.len(), 43, "256 bits");
        assert_ne!(a, derived_secret(b"key two", "password-reset", "id-1"));
        assert_ne!(a, derived_secret(b"key one", "other", "id-1"));
        assert_ne!(a, derived_secret(b"key one", "password-reset", "id-2"));
        // The separator keeps (purpose, id) pairs apart.
        assert_ne!(
            derived_secret(b"k", "ab", "c"),
            derived_secret(b"k", "a", "bc")
        );
    }
}
