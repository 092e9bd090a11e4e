//! How the server's memory allocator is tuned, so that memory used for a
//! burst of work goes back to the system when the burst is over.
//!
//! Each password check allocates argon2's 19 MiB working memory and frees
//! it when done. glibc's `malloc` serves a block that large with `mmap`
//! and returns it with `munmap`, but only until the first such block is
//! freed: from then on its *dynamic* threshold rises to that size, and
//! later blocks are carved from per-thread arenas that are never given
//! back. Measured on issue 11's probe: 48 concurrent sign-ins took the
//! server from 48 MiB to 982 MiB, still held 12 s later. Fixing the
//! threshold turns the dynamic rule off, so every large block is mapped
//! and unmapped on its own and the resident size returns to where it was.

/// Blocks at least this large are mapped on their own and unmapped when
/// freed. Well below argon2's 19 MiB; well above the request buffers,
/// rows and pages the server allocates and frees all the time, which stay
/// in the arenas where reusing them is cheap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1024 * 1024;

/// Fixes glibc's mmap threshold at [`MMAP_THRESHOLD`]. Call it before the
/// server starts. Elsewhere (musl, other systems) there is
/// nothing to tune and it does nothing.
pub(crate) fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets an allocator parameter: it takes two
        // integers, touches no memory of ours, and glibc takes its own
        // arena lock while it changes the setting.
        #[allow(unsafe_code)]
        let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        if set != 1 {
            // Not fatal: the server works, it only keeps more memory.
            eprintln!("warning: could not set the allocator's mmap threshold");
        }
    }
}
