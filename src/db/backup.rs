//! Backups of the embedded SQLite database, and a digest of every table to compare a restore with
//! its source. PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`; README).

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use sha2::{Digest, Sha256};

use super::DbConnection;
use crate::error::{AppError, AppResult};

/// One table's row count and the SHA-256 of its rows (each row's quoted values, rows sorted, so
/// that the physical order a restore may change does not count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: String,
    pub rows: i64,
    pub sha256: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// SQL string literal (for the file names `VACUUM INTO` takes, which cannot be bound).
fn literal(path: &Path) -> AppResult<String> {
    let text = path
        .to_str()
        .ok_or_else(|| AppError::internal("the backup path is not UTF-8"))?;
    Ok(format!("'{}'", text.replace('\'', "''")))
}

fn sqlite_only(conn: &DbConnection) -> AppResult<()> {
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Postgres(_) => Err(AppError::internal(
            "on PostgreSQL, back up with `pg_dump -Fc` and restore with `pg_restore` (see README)",
        )),
    }
}

/// Writes a consistent copy of the open SQLite database to `target`, which must not exist
/// (never overwritten). `VACUUM INTO` reads one snapshot, so it runs while the service serves
/// and writes (WAL: writers are not blocked); the copy is created 0600 first, since it holds
/// everything the database does.
pub fn sqlite_backup(conn: &mut DbConnection, target: &Path) -> AppResult<()> {
    sqlite_only(conn)?;
    if target.exists() {
        return Err(AppError::internal(format!(
            "{} exists; a backup never overwrites a file",
            target.display()
        )));
    }
    // An empty file with the right mode; VACUUM INTO accepts an empty file.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", target.display())))?;
    crate::fsutil::restrict(target, 0o600)?;
    let done = diesel::sql_query(format!("VACUUM INTO {}", literal(target)?)).execute(conn);
    if let Err(e) = done {
        // Leave no partial copy that could be mistaken for a backup.
        let _ = std::fs::remove_file(target);
        return Err(e.into());
    }
    Ok(())
}

/// `PRAGMA integrity_check` of an SQLite database: `Ok` only when it says "ok".
pub fn sqlite_integrity(conn: &mut DbConnection) -> AppResult<()> {
    sqlite_only(conn)?;
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    match rows.as_slice() {
        [one] if one.integrity_check == "ok" => Ok(()),
        _ => Err(AppError::internal(format!(
            "the database fails its integrity check: {}",
            rows.iter()
                .map(|r| r.integrity_check.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

/// The application's tables (and diesel's migration list), by name.
fn tables(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        DbConnection::Postgres(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    let names: Vec<Name> = diesel::sql_query(sql).load(conn)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn columns(conn: &mut DbConnection, table: &str) -> AppResult<Vec<String>> {
    let sql = match conn {
        DbConnection::Sqlite(_) => "SELECT name FROM pragma_table_info(?) ORDER BY cid",
        DbConnection::Postgres(_) => {
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let names: Vec<Name> = diesel::sql_query(sql).bind::<Text, _>(table).load(conn)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every row of every table as one line of its values quoted as SQL writes them (`'text'`,
/// `NULL`, numbers; comma-separated), sorted, by table name: what [`digests`] hashes, and what a
/// test scans for values that must be gone (an erased client's).
pub fn table_lines(conn: &mut DbConnection) -> AppResult<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for table in tables(conn)? {
        let cols = columns(conn, &table)?;
        // Each value quoted as SQL would write it (NULL apart from 'NULL'), joined with a
        // separator no quoted value can hold unquoted.
        let parts: Vec<String> = cols
            .iter()
            .map(|c| match conn {
                DbConnection::Sqlite(_) => format!("quote({})", ident(c)),
                DbConnection::Postgres(_) => format!("quote_nullable({}::text)", ident(c)),
            })
            .collect();
        let sql = format!(
            "SELECT {} AS line FROM {}",
            parts.join(" || ',' || "),
            ident(&table)
        );
        let mut lines: Vec<String> = diesel::sql_query(sql)
            .load::<Line>(conn)?
            .into_iter()
            .map(|l| l.line)
            .collect();
        lines.sort();
        out.push((table, lines));
    }
    Ok(out)
}

/// Row counts and digests of every table, by table name.
pub fn digests(conn: &mut DbConnection) -> AppResult<Vec<TableDigest>> {
    let mut out = Vec::new();
    for (table, lines) in table_lines(conn)? {
        let count: Count =
            diesel::sql_query(format!("SELECT count(*) AS n FROM {}", ident(&table)))
                .get_result(conn)?;
        let mut hash = Sha256::new();
        for line in &lines {
            hash.update(line.as_bytes());
            hash.update(b"\n");
        }
        out.push(TableDigest {
            table,
            rows: count.n,
            sha256: hex::encode(hash.finalize()),
        });
    }
    Ok(out)
}
