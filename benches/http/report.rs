//! The run's figures as markdown: throughput against the ceiling per endpoint, then the targets
//! of issue 14, each met or missed.

use std::time::Duration;

use crate::ceiling::Mode;
use crate::load::Figures;
use crate::server::{BackendResult, Endpoint, CONNECTIONS, RATE, SIGN_INS};
use crate::{Backend, Options};

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

/// The stricter ceiling (the faster of the direct-SQL variants).
fn best(e: &Endpoint) -> Option<&(Mode, Figures)> {
    e.ceilings
        .iter()
        .max_by(|a, b| a.1.rate.total_cmp(&b.1.rate))
}

fn errors(f: &Figures) -> String {
    if f.errors == 0 {
        String::new()
    } else {
        format!(" ({} errors)", f.errors)
    }
}

pub fn print(results: &[BackendResult], options: &Options, took: Duration) {
    println!();
    println!(
        "scale {}, seed {}, {} s a phase, {CONNECTIONS} connections closed-loop, whole run {:.0} s",
        options.scale,
        options.seed,
        options.seconds.as_secs(),
        took.as_secs_f64()
    );
    for r in results {
        let d = &r.dataset;
        println!(
            "{}: {} clients, {} cases, {} hearings, {} I-589 filings, {} decisions, {} deadlines; \
             the bench lawyer has {} cases, {} open deadlines in the agenda's 30 days; built in {:.0} s",
            r.backend.name(),
            d.clients,
            d.cases,
            d.hearings,
            d.filings,
            d.decisions,
            r.deadlines,
            d.lawyer_cases.len(),
            r.agenda_items,
            d.seconds
        );
    }
    println!();
    println!("| backend | endpoint | statements | service req/s | service p50 / p99 (ms) | ceiling req/s | ceiling p50 / p99 (ms) | service / ceiling | >= 0.5 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in results {
        for e in &r.endpoints {
            let ceilings = e
                .ceilings
                .iter()
                .map(|(m, f)| {
                    let what = match m {
                        Mode::Prepared => "prepared ",
                        Mode::PerExecution => "per execution ",
                    };
                    format!("{what}{:.0}{}", f.rate, errors(f))
                })
                .collect::<Vec<_>>()
                .join(" / ");
            let latencies = e
                .ceilings
                .iter()
                .map(|(_, f)| format!("{:.2} / {:.2}", f.p50_ms, f.p99_ms))
                .collect::<Vec<_>>()
                .join(", ");
            let ratio = best(e)
                .map(|(_, f)| e.service.rate / f.rate)
                .unwrap_or(f64::NAN);
            println!(
                "| {} | {} | {} | {:.0}{} | {:.2} / {:.2} | {ceilings} | {latencies} | {ratio:.2} | {} |",
                r.backend.name(),
                e.name,
                e.statements,
                e.service.rate,
                errors(&e.service),
                e.service.p50_ms,
                e.service.p99_ms,
                mark(ratio >= 0.5),
            );
        }
    }
    println!();
    println!("| backend | target | measured | |");
    println!("|---|---|---|---|");
    for r in results {
        let b = r.backend.name();
        let row = |target: &str, measured: String, ok: bool| {
            println!("| {b} | {target} | {measured} | {} |", mark(ok));
        };
        let below = r
            .endpoints
            .iter()
            .filter(|e| best(e).is_some_and(|(_, f)| e.service.rate < 0.5 * f.rate))
            .count();
        row(
            "throughput >= 0.5 of the ceiling (the faster variant), every endpoint",
            format!("{} of {} endpoints below", below, r.endpoints.len()),
            below == 0,
        );
        row(
            &format!("agenda p99 at {RATE:.0} req/s < 20 ms"),
            format!("{:.2} ms{}", r.open_agenda.p99_ms, errors(&r.open_agenda)),
            r.open_agenda.p99_ms < 20.0 && r.open_agenda.errors == 0,
        );
        row(
            &format!("one case's deadlines p99 at {RATE:.0} req/s < 20 ms"),
            format!(
                "{:.2} ms{}",
                r.open_case_deadlines.p99_ms,
                errors(&r.open_case_deadlines)
            ),
            r.open_case_deadlines.p99_ms < 20.0 && r.open_case_deadlines.errors == 0,
        );
        let storm = r.storm_agenda.p99_ms / r.open_agenda.p99_ms;
        row(
            &format!("agenda p99 with {SIGN_INS} concurrent sign-ins within 2x"),
            format!(
                "{:.2} ms, {storm:.2}x ({:.1} sign-ins/s, p99 {:.0} ms, {} refused)",
                r.storm_agenda.p99_ms,
                r.storm_sign_ins.rate,
                r.storm_sign_ins.p99_ms,
                r.storm_sign_ins.errors
            ),
            storm <= 2.0 && r.storm_agenda.errors == 0,
        );
        if let Some(h) = r.endpoints.iter().find(|e| e.name.starts_with("create")) {
            let floor = match r.backend {
                Backend::Sqlite => 300.0,
                Backend::Postgres => 500.0,
            };
            row(
                &format!("hearings created >= {floor:.0}/s, p99 < 100 ms"),
                format!(
                    "{:.0}/s, p99 {:.1} ms{}",
                    h.service.rate,
                    h.service.p99_ms,
                    errors(&h.service)
                ),
                h.service.rate >= floor && h.service.p99_ms < 100.0 && h.service.errors == 0,
            );
        }
        let mib = r.peak_rss_kib as f64 / 1024.0;
        row(
            "server peak RSS (VmHWM, whole run) < 150 MiB",
            format!("{mib:.0} MiB"),
            mib < 150.0,
        );
        if let Some(bk) = &r.backup {
            println!(
                "| {b} | `backup` of the data set | {:.1} MiB in {:.2} s; `restore` into a fresh database {:.2} s | |",
                bk.bytes as f64 / 1048576.0,
                bk.backup_seconds,
                bk.restore_seconds
            );
        }
    }
}
