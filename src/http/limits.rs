//! Per-client-address rate limits on the public credential endpoints (governor): sign-in,
//! the MFA step, password reset and its confirmation, refresh. Over a limit: 429 problem+json
//! (`too-many-attempts`) with `Retry-After` in seconds.
//!
//! A route takes a limit with one attribute argument, `wrap = "per_client(Limit::Mfa)"` in its
//! `#[post(..)]` (with `use crate::http::limits::{per_client, Limit}`). The counters live in one
//! [`Limits`] per application (built in `startup`, shared by every HTTP worker through app data),
//! so that tests with their own apps and settings never share a count.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderName;
use actix_web::{web, Error, ResponseError};
use futures_util::future::{ready, Either, MapOk, Ready};
use futures_util::TryFutureExt;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

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

/// Every this many checks of one limit, that limit forgets the addresses it no longer needs.
///
/// governor's keyed store holds an entry for every address it has seen, and never drops one by
/// itself; `retain_recent` drops those whose counters are full again (no request from them for
/// up to a minute), which a fresh entry would count the same. Sweeping on a count of checks
/// rather than on a timer ties the work to the only thing that grows the store: between two
/// sweeps at most this many new addresses come in, so the store holds at most the addresses seen
/// within the last minute before the latest sweep plus this many, however long the process runs,
/// and with no background task. One request in this many pays for the sweep (a pass over the
/// entries, shard by shard), small next to the hashing and database work behind these routes.
const SWEEP_EVERY: usize = 1024;

/// One limit's counters: per client address, `per_minute` at once and then one more every
/// 60/`per_minute` s (the sustained rate is `per_minute` a minute).
struct Counter<C: Clock = DefaultClock> {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    checks: AtomicUsize,
}

impl Counter {
    fn per_minute(per_minute: u32) -> Counter {
        Counter::with_clock(per_minute, DefaultClock::default())
    }
}

impl<C: Clock> Counter<C> {
    fn with_clock(per_minute: u32, clock: C) -> Counter<C> {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Counter {
            limiter: RateLimiter::new(Quota::per_minute(per_minute), Default::default(), clock),
            checks: AtomicUsize::new(0),
        }
    }

    /// Takes one slot of `key`'s, or says how long until one is free again.
    fn check(&self, key: IpAddr) -> Result<(), Duration> {
        let outcome = self
            .limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()));
        // After the check, so that the address just counted stays (it is recent).
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        outcome
    }
}

/// The counters of every limit, one set per application.
pub struct Limits {
    header: Option<HeaderName>,
    sign_in: Counter,
    mfa: Counter,
    password_reset: Counter,
    password_reset_confirm: Counter,
    refresh: Counter,
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
        Limits {
            header,
            sign_in: Counter::per_minute(l.sign_in_per_minute),
            mfa: Counter::per_minute(l.mfa_per_minute),
            password_reset: Counter::per_minute(l.password_reset_per_minute),
            password_reset_confirm: Counter::per_minute(l.password_reset_per_minute),
            refresh: Counter::per_minute(l.refresh_per_minute),
        }
    }

    fn counter(&self, limit: Limit) -> &Counter {
        match limit {
            Limit::SignIn => &self.sign_in,
            Limit::Mfa => &self.mfa,
            Limit::PasswordReset => &self.password_reset,
            Limit::PasswordResetConfirm => &self.password_reset_confirm,
            Limit::Refresh => &self.refresh,
        }
    }

    /// Counts `req` against `limit`: `Err` with the 429 to answer when over it.
    fn check(&self, limit: Limit, req: &ServiceRequest) -> Result<(), AppError> {
        let key = client_key(self.header.as_ref(), req);
        self.counter(limit).check(key).map_err(|wait| {
            let retry_after_secs = retry_after_secs(wait);
            tracing::warn!(
                event = "rate_limited",
                limit = limit.name(),
                retry_after_secs
            );
            AppError::RateLimited { retry_after_secs }
        })
    }
}

/// Whole seconds, rounded up (a fraction left is a second more), and at least one: "0" would
/// invite a retry at once, which would be refused.
fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// The client's address as the key: the peer address, or with `server.trusted_proxy_header` the
/// right-most entry of that header (the one our proxy appended; entries to its left are
/// whatever the client sent). IPv6 addresses count by their /64, which one host usually holds
/// whole.
fn client_key(header: Option<&HeaderName>, req: &ServiceRequest) -> IpAddr {
    // Without the configured header (a request that did not come through the proxy) the peer is
    // the client. No peer at all only happens in-process: one shared key.
    let ip = header
        .and_then(|name| header_address(name, req))
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    key_of(ip)
}

fn header_address(name: &HeaderName, req: &ServiceRequest) -> Option<IpAddr> {
    // Several header lines are one list, in order: the last line holds the last entry.
    let last_line = req.headers().get_all(name).last()?.to_str().ok()?;
    parse_address(last_line.rsplit(',').next()?.trim())
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
            service,
        }))
    }
}

/// Counts each request against the application's [`Limits`] (app data, so looked up per request:
/// it is not reachable when routes are registered) before the route sees it, body unread.
pub struct PerClientMiddleware<S> {
    limit: Limit,
    service: S,
}

type Passed<S, B> = MapOk<
    <S as Service<ServiceRequest>>::Future,
    fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>,
>;

impl<S, B> Service<ServiceRequest> for PerClientMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<Passed<S, B>, Ready<Result<Self::Response, Self::Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let Some(limits) = req.app_data::<web::Data<Limits>>() else {
            let e = AppError::internal("rate limits are not registered as app data");
            return Either::Right(ready(Ok(req.error_response(e).map_into_right_body())));
        };
        match limits.check(self.limit, &req) {
            Ok(()) => Either::Left(
                self.service
                    .call(req)
                    .map_ok(ServiceResponse::map_into_left_body as fn(_) -> _),
            ),
            // An answer, not an error: nothing went wrong (as with actix-governor before).
            Err(limited) => {
                let res = req.into_response(limited.error_response());
                Either::Right(ready(Ok(res.map_into_right_body())))
            }
        }
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

    use governor::clock::FakeRelativeClock;

    fn ip(i: usize) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0xC000_0200 + i as u32))
    }

    #[test]
    fn a_burst_of_n_then_one_more_every_60_over_n_seconds() {
        let clock = FakeRelativeClock::default();
        let counter = Counter::with_clock(30, clock.clone());
        for _ in 0..30 {
            assert_eq!(counter.check(ip(1)), Ok(()));
        }
        assert_eq!(counter.check(ip(1)), Err(Duration::from_secs(2)));
        // Another address has its own count.
        assert_eq!(counter.check(ip(2)), Ok(()));
        clock.advance(Duration::from_millis(500));
        assert_eq!(counter.check(ip(1)), Err(Duration::from_millis(1500)));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(counter.check(ip(1)), Ok(()));
        assert!(counter.check(ip(1)).is_err());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_and_at_least_one() {
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_nanos(2_000_000_001)), 3);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn every_sweep_forgets_the_addresses_whose_counters_are_full_again() {
        let clock = FakeRelativeClock::default();
        let counter = Counter::with_clock(30, clock.clone());
        for i in 0..SWEEP_EVERY - 1 {
            counter.check(ip(i)).unwrap();
        }
        assert_eq!(counter.limiter.len(), SWEEP_EVERY - 1);
        // A minute on, every one of them is as good as new: the next check sweeps them out,
        // all but the address it has just counted.
        clock.advance(Duration::from_secs(61));
        counter.check(ip(SWEEP_EVERY)).unwrap();
        assert_eq!(counter.limiter.len(), 1);
        // An address still counting down survives a sweep, and keeps its count; those used once
        // are full again after 2 s. 30 + (SWEEP_EVERY - 31) checks, then one more sweeps.
        let busy = ip(SWEEP_EVERY + 1);
        for _ in 0..30 {
            counter.check(busy).unwrap();
        }
        for i in 0..SWEEP_EVERY - 31 {
            counter.check(ip(i)).unwrap();
        }
        assert_eq!(counter.limiter.len(), SWEEP_EVERY - 29);
        clock.advance(Duration::from_secs(10));
        // 5 slots back in 10 s; this check takes one and sweeps.
        counter.check(busy).unwrap();
        assert_eq!(counter.limiter.len(), 1);
        for _ in 0..4 {
            counter.check(busy).unwrap();
        }
        assert!(counter.check(busy).is_err());
    }
}
