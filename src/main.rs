//! The `asylum-tracker` binary: parses the command line and hands over to `cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    tune_glibc_malloc();
    asylum_tracker::cli::main(asylum_tracker::cli::Cli::parse())
}

/// glibc serves a block above its mmap threshold from a mapping of its own, unmapped when freed,
/// but raises the threshold to the largest such block freed (up to 32 MiB): after the first
/// sign-in, argon2's 19 MiB buffers came from the heap arenas and stayed. Measured on the
/// release binary, 200 sign-ins 20 at a time: 388 to 504 MiB resident at the peak and for good
/// after; with the threshold fixed at 1 MiB, 101 MiB at the peak and 63 MiB five seconds after
/// (62 before). mimalloc, measured too, peaked at 101 to 134 MiB and kept 101 to 120 MiB.
/// Arenas are capped at two, for the reason given below.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_glibc_malloc() {
    // SAFETY: sets two allocator parameters, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        // glibc gives each thread that allocates under contention an arena of its own (up to 8
        // per core) and keeps what each has freed. Measured with the 2-minute soak on SQLite (64
        // clients, about 350 requests/s either way), when every request waiting for a connection
        // still held a blocking thread (over a hundred): RSS rose from 109 to 134 MiB after
        // warm-up with the default arenas, and from 88 to 96 MiB with two. The pool's gate now
        // bounds those threads; the cap was not measured again without it.
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_glibc_malloc() {}
