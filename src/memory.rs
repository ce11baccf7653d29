//! The allocator's settings, and giving memory freed by parsing back to the system.
//!
//! Parsing a link file builds its whole TOML tree, many times the file's size, and
//! frees it; what stays (the links) is about 100 bytes a link. glibc's malloc raises
//! its mmap threshold (and with it its trim threshold) to 32 MiB the first time a
//! large block is freed, so after the first file the parser's large temporaries come
//! from the heap and are kept there: measured, a daemon serving 100,000 links in 10
//! files held 51 MiB (one file: 151 MiB) where its data takes 13 MiB. Fixing the
//! thresholds (`mallopt`, no environment variable needed) sends
//! large temporaries to `mmap`, returned when freed, and lets the heap shrink; after
//! a load or reload `malloc_trim` returns the free pages left between live blocks.
//! Measured with `scripts/bench` (BENCHMARKS.md, "Memory").

/// Blocks this large come from `mmap`; the heap gives back free space this large.
/// Measured at 128 KiB, 1 MiB and 8 MiB (1M links in 100 files, 100k in 10): 1 MiB
/// keeps RSS as low as 128 KiB does (127 / 19 MiB; 8 MiB: 139 / 26) with less of the
/// cost to loading (`check` of 1M links 2.7 s untuned, 3.3 s at 1 MiB, 3.8 s at 128 KiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const THRESHOLD: i32 = 1024 * 1024;

/// Threads share this many heaps ("arenas"). glibc gives each thread that allocates an
/// arena of its own (up to eight a core), where what the parse threads free stays as
/// holes: measured (100k links, 10 files), 11.7 MiB loaded and 17.7 MiB peak with
/// glibc's default, 11.2 and 14.1 with one arena. One arena made the two parse threads
/// wait for each other (`check` of 1M links 3.6–4.6 s); two keep them apart (2.2–2.6 s)
/// at the same memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: i32 = 2;

/// Sets the allocator's thresholds; call once, first thing in `main`.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

/// Returns to the system the free memory the allocator holds; after loads and reloads.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
