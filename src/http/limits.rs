//! Per-client-address rate limits on the public credential endpoints (actix-governor): sign-in,
//! the MFA step, password reset and its confirmation, refresh. Over a limit: 429 problem+json
//! (`too-many-attempts`) with `Retry-After` in seconds.
//!
//! A route takes a limit with one attribute argument, `wrap = "per_client(Limit::Mfa)"` in its
//! `#[post(..)]` (with `use crate::http::limits::{per_client, Limit}`). The counters live in one
//! [`Limits`] per application (built in `startup`, shared by every HTTP worker through app data),
//! so that tests with their own apps and settings never share a count.

use std::cell::OnceCell;
use std::net::{IpAddr, Ipv6Addr};
use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::NotUntil;
use actix_governor::{Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderName;
use actix_web::{web, Error, HttpResponse, HttpResponseBuilder, ResponseError};
use futures_util::future::{ready, Either, Ready};

use crate::config::Settings;
use crate::error::AppError;

/// The named limits; each has its own counters and its own `limits.*_per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    SignIn,
    Mfa,
    PasswordReset,
    PasswordResetConfirm,
    Refresh,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::SignIn => "sign_in",
            Limit::Mfa => "mfa",
            Limit::PasswordReset => "password_reset",
            Limit::PasswordResetConfirm => "password_reset_confirm",
            Limit::Refresh => "refresh",
        }
    }
}

type Config = GovernorConfig<ClientAddress, NoOpMiddleware>;

/// The counters of every limit, one set per application.
pub struct Limits {
    sign_in: Config,
    mfa: Config,
    password_reset: Config,
    password_reset_confirm: Config,
    refresh: Config,
}

impl Limits {
    /// From `limits.*` and `server.trusted_proxy_header` (both validated at load).
    pub fn new(settings: &Settings) -> Limits {
        let header = settings
            .server
            .trusted_proxy_header
            .as_deref()
            .and_then(|h| HeaderName::try_from(h).ok());
        let l = &settings.limits;
        let config = |limit: Limit, per_minute: u32| -> Config {
            let per_minute = per_minute.max(1);
            GovernorConfigBuilder::default()
                // A burst of N, then one more every 60/N s: N a minute, sustained.
                .period(Duration::from_secs(60) / per_minute)
                .burst_size(per_minute)
                .key_extractor(ClientAddress {
                    header: header.clone(),
                    limit,
                })
                .finish()
                .expect("a positive period and burst")
        };
        Limits {
            sign_in: config(Limit::SignIn, l.sign_in_per_minute),
            mfa: config(Limit::Mfa, l.mfa_per_minute),
            password_reset: config(Limit::PasswordReset, l.password_reset_per_minute),
            password_reset_confirm: config(
                Limit::PasswordResetConfirm,
                l.password_reset_per_minute,
            ),
            refresh: config(Limit::Refresh, l.refresh_per_minute),
        }
    }

    fn config(&self, limit: Limit) -> &Config {
        match limit {
            Limit::SignIn => &self.sign_in,
            Limit::Mfa => &self.mfa,
            Limit::PasswordReset => &self.password_reset,
            Limit::PasswordResetConfirm => &self.password_reset_confirm,
            Limit::Refresh => &self.refresh,
        }
    }

    /// Forgets addresses whose counters are full again, once a minute, so that traffic from many
    /// addresses does not grow memory without end. Stops when the application is dropped.
    pub fn spawn_cleanup(limits: &Arc<Limits>) {
        let weak: Weak<Limits> = Arc::downgrade(limits);
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(Duration::from_secs(60)).await;
                let Some(limits) = weak.upgrade() else { break };
                for config in [
                    &limits.sign_in,
                    &limits.mfa,
                    &limits.password_reset,
                    &limits.password_reset_confirm,
                    &limits.refresh,
                ] {
                    let limiter = config.limiter();
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            }
        });
    }
}

/// The client's address as the key: the peer address, or with `server.trusted_proxy_header` the
/// right-most entry of that header (the one our proxy appended; entries to its left are
/// whatever the client sent). IPv6 addresses count by their /64, which one host usually holds
/// whole.
#[derive(Clone)]
pub struct ClientAddress {
    header: Option<HeaderName>,
    limit: Limit,
}

impl ClientAddress {
    fn header_address(&self, req: &ServiceRequest) -> Option<IpAddr> {
        let name = self.header.as_ref()?;
        // Several header lines are one list, in order: the last line holds the last entry.
        let last_line = req.headers().get_all(name).last()?.to_str().ok()?;
        parse_address(last_line.rsplit(',').next()?.trim())
    }
}

/// `192.0.2.1`, `2001:db8::1`, and the forms with a port some proxies write
/// (`192.0.2.1:5123`, `[2001:db8::1]:5123`).
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4-mapped IPv6 as IPv4; other IPv6 by /64.
fn key_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;
    type KeyExtractionError = AppError;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, AppError> {
        // Without the configured header (a request that did not come through the proxy) the
        // peer is the client. No peer at all only happens in-process: one shared key.
        let ip = self
            .header_address(req)
            .or_else(|| req.peer_addr().map(|a| a.ip()))
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(key_of(ip))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _governor_plain_text: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now());
        // Rounded up: governor's own header rounds down, and "0" would invite a retry at once.
        let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::warn!(
            event = "rate_limited",
            limit = self.limit.name(),
            retry_after_secs
        );
        AppError::RateLimited {
            retry_after_secs: retry_after_secs.max(1),
        }
        .error_response()
    }
}

/// The middleware that puts a route under `limit`: `wrap = "limits::per_client(Limit::X)"`.
pub fn per_client(limit: Limit) -> PerClient {
    PerClient(limit)
}

pub struct PerClient(Limit);

impl<S, B> Transform<S, ServiceRequest> for PerClient
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = PerClientMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(PerClientMiddleware {
            limit: self.0,
            service: Rc::new(service),
            governor: OnceCell::new(),
        }))
    }
}

type Inner<S> = actix_governor::GovernorMiddleware<Rc<S>, ClientAddress, NoOpMiddleware>;

/// actix-governor's middleware, made on this worker's first request from the application's
/// [`Limits`] (app data is not reachable when routes are registered, only when requests come).
pub struct PerClientMiddleware<S> {
    limit: Limit,
    service: Rc<S>,
    governor: OnceCell<Inner<S>>,
}

impl<S, B> Service<ServiceRequest> for PerClientMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<
        <Inner<S> as Service<ServiceRequest>>::Future,
        Ready<Result<Self::Response, Self::Error>>,
    >;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let governor = match self.governor.get() {
            Some(g) => g,
            None => {
                let Some(limits) = req.app_data::<web::Data<Limits>>() else {
                    let e = AppError::internal("rate limits are not registered as app data");
                    return Either::Right(ready(Ok(req.error_response(e).map_into_right_body())));
                };
                let made = Governor::new(limits.config(self.limit))
                    .new_transform(self.service.clone())
                    .into_inner();
                match made {
                    Ok(g) => self.governor.get_or_init(|| g),
                    Err(()) => {
                        let e = AppError::internal("the rate limiter could not be made");
                        return Either::Right(ready(Ok(req
                            .error_response(e)
                            .map_into_right_body())));
                    }
                }
            }
        };
        Either::Left(governor.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_and_without_ports() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(parse_address("192.0.2.7"), Some(v4));
        assert_eq!(parse_address("192.0.2.7:5123"), Some(v4));
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(parse_address("2001:db8::1"), Some(v6));
        assert_eq!(parse_address("[2001:db8::1]:5123"), Some(v6));
        assert_eq!(parse_address("unknown"), None);
        assert_eq!(parse_address(""), None);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a = key_of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = key_of("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = key_of("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            key_of("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }
}
