//! Issue 11, finding 2: a flood of sign-ins with unknown names must not
//! exhaust the server. Password hashing runs through a gate of about one
//! hash per core with a short queue; beyond it a sign-in is answered 503
//! with `Retry-After` at once, everything else keeps being answered, and
//! the memory the hashes used goes back to the system.

mod support;

use std::sync::Arc;

use support::flood::{Server, SignInAnswer, flood};

/// argon2id's working memory per hash (its default parameters).
const HASH_KIB: u64 = 19 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_sign_ins_is_refused_beyond_the_queue_and_its_memory_returns() {
    let data = tempfile::tempdir().unwrap();
    let server = Arc::new(Server::start(data.path()));
    let flood = flood(&server, 200, 20).await;

    // Everyone else is still answered while the flood goes on.
    assert_eq!(flood.health.len(), 20);
    for (status, _) in &flood.health {
        assert_eq!(
            *status, 200,
            "health checks during the flood: {:?}",
            flood.health
        );
    }

    // A sign-in is either checked (and refused: nobody has these names; the
    // API and the page, which shows its form again, both say 401) or turned
    // away by the full gate with a time to come back: the API in JSON, the
    // page as a page.
    let checked = |a: &&SignInAnswer| a.status == 401;
    let busy = |a: &&SignInAnswer| a.status == 503;
    let other: Vec<_> = flood
        .sign_ins
        .iter()
        .filter(|a| !checked(a) && !busy(a))
        .take(5)
        .collect();
    assert!(
        other.is_empty(),
        "every sign-in is checked or busy: {other:?}"
    );
    for page in [false, true] {
        let of = |a: &&SignInAnswer| a.page == page;
        assert!(
            flood.sign_ins.iter().filter(of).any(|a| checked(&a)),
            "the gate still lets sign-ins be checked (page: {page})"
        );
        assert!(
            flood.sign_ins.iter().filter(of).any(|a| busy(&a)),
            "200 clients fill the gate's queue (page: {page})"
        );
    }
    for answer in flood.sign_ins.iter().filter(busy) {
        assert_eq!(answer.retry_after.as_deref(), Some("1"), "{answer:?}");
        let expected = if answer.page {
            "text/html"
        } else {
            "application/json"
        };
        assert!(answer.content_type.starts_with(expected), "{answer:?}");
    }

    // Hashing held at most one block per core at a time (with room for
    // everything else the server allocates under load)...
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    assert!(
        flood.rss_peak <= flood.rss_before + cores * HASH_KIB + 64 * 1024,
        "resident memory went from {} KiB to {} KiB during the flood",
        flood.rss_before,
        flood.rss_peak
    );
    // ...and gave it back once the flood was over.
    assert!(
        flood.rss_after * 5 <= flood.rss_before * 6,
        "resident memory was {} KiB before the flood and {} KiB after it",
        flood.rss_before,
        flood.rss_after
    );
}
