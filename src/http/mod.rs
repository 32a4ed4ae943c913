//! What every route shares: request bodies ([`body`]), the list shape ([`list`]), the
//! OpenAPI error responses ([`doc`]), cookie session mode ([`session`]), per-client-address
//! rate limits ([`limits`]), the reason a withdrawal needs ([`reason`]), the cache policy of personal data ([`cache`]) and
//! cross-origin access ([`cors`]).
//! Route modules import these, never each other.

pub mod body;
pub mod cache;
pub mod cors;
pub mod doc;
pub mod limits;
pub mod list;
pub mod reason;
pub mod session;
