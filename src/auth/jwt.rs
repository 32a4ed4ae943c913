//! Access tokens: HS256 JWTs with issuer, audience, expiry, the user's token version and the
//! session they belong to.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

const ISSUER: &str = "asylum-tracker";
const AUDIENCE: &str = "asylum-tracker-api";
/// The crate allows 60 s by default; clocks of our instances agree better than that.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The user's token version when issued; a bump (logout, deactivation, password or role
    /// change) voids every token issued before.
    pub ver: i64,
    /// The session (`sessions.family_id`, the id `GET /api/v1/me/sessions` lists) the token was
    /// issued to; the caller extractor refuses it once that session has ended. Required: a token
    /// issued before sessions had ids fails to decode (401) and the client renews it with its
    /// refresh token, which still works; tolerating such tokens would leave them out of reach of
    /// "end this session" and of a password change for up to their lifetime.
    pub sid: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub lifetime_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], lifetime_minutes: i64) -> AppResult<JwtKeys> {
        let encoding = EncodingKey::from_secret(secret).map_err(AppError::internal)?;
        let decoding = DecodingKey::from_secret(secret).map_err(AppError::internal)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Ok(JwtKeys {
            encoding,
            decoding,
            validation,
            lifetime_secs: lifetime_minutes * 60,
        })
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: &str,
        token_version: i64,
        session_id: &str,
    ) -> AppResult<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
            exp: now + self.lifetime_secs,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            ver: token_version,
            sid: session_id.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// Checks signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims)
    }
}
