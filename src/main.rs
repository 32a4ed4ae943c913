//! The `asylum-tracker` binary: parses the command line and hands over to `cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    keep_large_blocks_off_the_heap();
    asylum_tracker::cli::main(asylum_tracker::cli::Cli::parse())
}

/// glibc serves a block above its mmap threshold from a mapping of its own, unmapped when freed,
/// but raises the threshold to the largest such block freed (up to 32 MiB): after the first
/// sign-in, argon2's 19 MiB buffers came from the heap arenas and stayed. Measured on the
/// release binary, 200 sign-ins 20 at a time: 388 to 504 MiB resident at the peak and for good
/// after; with the threshold fixed at 1 MiB, 101 MiB at the peak and 63 MiB five seconds after
/// (62 before). mimalloc, measured too, peaked at 101 to 134 MiB and kept 101 to 120 MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_blocks_off_the_heap() {
    // SAFETY: sets one allocator parameter, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_off_the_heap() {}
