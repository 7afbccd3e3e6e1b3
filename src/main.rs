//! The `govwatch` command: parses the command line and hands it to the library.

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    govwatch::cli::run()
}

/// glibc gives each thread that allocates an arena of its own (up to 8 per core), and an
/// arena keeps much of what is freed in it; it also raises its mmap threshold as large
/// blocks are freed, so later large blocks (page bodies, growing lists) come from the
/// arenas and stay there. A cycle allocates on many threads (the runtime's workers, the
/// blocking pool reading pages, SQLite's), so its peak RSS grew far past its heap: two
/// arenas and a fixed 256 KiB threshold hold the county bench's cycle under 150 MiB at
/// the same speed (BENCHMARKS.md, county scale). `MALLOC_ARENA_MAX` and
/// `MALLOC_MMAP_THRESHOLD_` in the environment still decide when set.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets allocator parameters; called first thing in main,
        // before any other thread exists.
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        }
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024) };
        }
    }
}
