//! The second factor: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as every
//! authenticator app expects) and single-use recovery codes. Pure: the time is an argument.

use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::auth::refresh::hash_secret;
use crate::error::{AppError, AppResult};

const ISSUER: &str = "asylum-tracker";
pub const STEP_SECS: u64 = 30;
/// One step either side of now: a phone's clock a little off still signs in (RFC 6238 §5.2
/// recommends allowing at most one step of drift).
const SKEW_STEPS: i64 = 1;
pub const RECOVERY_CODES: usize = 10;

fn totp(secret_base32: &str, account: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| AppError::internal(format!("stored TOTP secret unreadable: {e:?}")))?;
    // The label may not hold ':' (it separates issuer and account in the URI).
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', " "),
    )
    .map_err(|e| AppError::internal(format!("TOTP refused: {e}")))
}

/// A new shared secret: 160 random bits (RFC 4226 §4's recommended length), base32.
pub fn new_secret() -> String {
    match Secret::generate_secret().to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(raw) => base32_of(&raw),
    }
}

fn base32_of(bytes: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, bytes)
}

/// What an authenticator app needs: the `otpauth://` URI and the same as a QR code (SVG).
pub fn enrolment(secret_base32: &str, account: &str) -> AppResult<(String, String)> {
    let uri = totp(secret_base32, account)?.get_url();
    let code = QrCode::new(uri.as_bytes()).map_err(AppError::internal)?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok((uri, svg))
}

/// The code of a step, for tests and for nothing else.
pub fn code_at(secret_base32: &str, unix_secs: u64) -> AppResult<String> {
    Ok(totp(secret_base32, "")?.generate(unix_secs))
}

/// The step a code belongs to, if it is one of now's (± one step) and later than `last_step`:
/// a code is good once, and never after a later one was used.
pub fn accepted_step(
    secret_base32: &str,
    code: &str,
    unix_secs: u64,
    last_step: i64,
) -> AppResult<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_base32, "")?;
    let now = (unix_secs / STEP_SECS) as i64;
    Ok(((now - SKEW_STEPS)..=(now + SKEW_STEPS))
        .filter(|step| *step > last_step && *step >= 0)
        .find(|step| totp.check(&code, *step as u64 * STEP_SECS)))
}

/// Ten recovery codes to show once, with the hashes that are all the database keeps. Each has
/// 120 random bits, written as six groups of four base32 letters (`k7qm-2xda-p4hn-...`): ASVS 5.0
/// 6.5.2 lets a lookup secret of 112 bits or more be kept as a plain SHA-256 hash, where a
/// shorter one would need a salted password hash (argon2 for each of ten codes at every use).
pub fn new_recovery_codes() -> Vec<(String, String)> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 15];
            rand::rng().fill_bytes(&mut bytes);
            let letters = base32_of(&bytes).to_lowercase();
            let shown = (0..6)
                .map(|g| &letters[g * 4..g * 4 + 4])
                .collect::<Vec<_>>()
                .join("-");
            let hashed = recovery_hash(&shown);
            (shown, hashed)
        })
        .collect()
}

/// The hash of a recovery code as typed: case, spaces and dashes do not matter.
pub fn recovery_hash(typed: &str) -> String {
    let canonical: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_secret(&format!("recovery:{canonical}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 Appendix B, SHA-1 rows, secret "12345678901234567890" (ASCII), last 6 digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = base32_of(b"12345678901234567890");
        for (t, code) in [
            (59u64, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), code, "t = {t}");
        }
    }

    #[test]
    fn a_code_is_good_once_and_within_one_step() {
        let secret = new_secret();
        let t = 1_800_000_000u64;
        let code = code_at(&secret, t).unwrap();
        let step = (t / STEP_SECS) as i64;
        assert_eq!(accepted_step(&secret, &code, t, 0).unwrap(), Some(step));
        // Replay: the step is used.
        assert_eq!(accepted_step(&secret, &code, t, step).unwrap(), None);
        // One step late still counts; two do not.
        assert_eq!(
            accepted_step(&secret, &code, t + 30, 0).unwrap(),
            Some(step)
        );
        assert_eq!(accepted_step(&secret, &code, t + 60, 0).unwrap(), None);
        assert_eq!(accepted_step(&secret, "12345", t, 0).unwrap(), None);
        assert_eq!(accepted_step(&secret, "abcdef", t, 0).unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut hashes: Vec<_> = codes.iter().map(|(_, h)| h.clone()).collect();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), 10);
        let (shown, hashed) = &codes[0];
        // 24 letters of 5 bits: 120 bits.
        assert_eq!(shown.len(), 29);
        assert_eq!(shown.replace('-', "").len(), 24);
        assert_eq!(
            &recovery_hash(&shown.to_uppercase().replace('-', " ")),
            hashed
        );
    }

    #[test]
    fn enrolment_uri_names_the_issuer_and_account() {
        let secret = new_secret();
        let (uri, svg) = enrolment(&secret, "ana@example.org").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/asylum-tracker:ana%40example.org?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={secret}")));
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
    }
}
