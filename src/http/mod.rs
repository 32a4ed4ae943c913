//! What every route shares: request bodies ([`body`]), the list shape ([`list`]) and the
//! OpenAPI error responses ([`doc`]). Route modules import these, never each other.

pub mod body;
pub mod doc;
pub mod list;
