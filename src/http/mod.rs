//! What every route shares: request bodies ([`body`]), the list shape ([`list`]), the
//! OpenAPI error responses ([`doc`]) and cookie session mode ([`session`]).
//! Route modules import these, never each other.

pub mod body;
pub mod doc;
pub mod list;
pub mod session;
