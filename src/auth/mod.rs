//! Authentication and authorisation: passwords, access tokens, refresh sessions, the caller
//! extractor and the policy that says who may do what.

pub mod extract;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod refresh;
pub mod totp;
