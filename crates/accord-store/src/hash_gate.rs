//! The gate every password hash passes through: at most one argon2 hash
//! per core at a time, a short queue behind them, and a quick refusal
//! beyond it.
//!
//! Each argon2id hash takes 19 MiB and tens of milliseconds of a core
//! (see `accounts::hasher`). Without a bound, a flood of sign-ins with
//! made-up names (each checked against a dummy hash, so that unknown names
//! answer like wrong passwords) ran one hash per request at once: 48 at a
//! time took the server past 1 GiB and every request waited seconds. With
//! the gate, hashing never uses more than `cores × 19 MiB`, the rest of
//! the server keeps its cores, and a client beyond the queue is told at
//! once to come back ([`AccountError::Busy`]) instead of waiting in a line
//! that only grows.

use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;

use crate::AccountError;

/// How long a client refused by a full gate is asked to wait, in seconds:
/// the queue empties in a fraction of that.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// How many hashes may wait per hash running. Short, so that a waiting
/// sign-in is answered within a few hash times.
const QUEUE_PER_WORKER: usize = 4;

/// The one gate of the process: every `Store` shares the machine's cores,
/// so they share the gate too.
pub(crate) static HASHING: LazyLock<HashGate> = LazyLock::new(|| {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    HashGate::new(workers, workers * QUEUE_PER_WORKER)
});

/// Runs blocking hash work with bounded concurrency and a bounded queue.
pub(crate) struct HashGate {
    /// One permit per hash that may run at once.
    running: Arc<Semaphore>,
    /// One permit per hash running or waiting to.
    admitted: Arc<Semaphore>,
}

impl HashGate {
    /// A gate running `workers` hashes at once with `queue` more waiting.
    pub(crate) fn new(workers: usize, queue: usize) -> HashGate {
        let workers = workers.max(1);
        HashGate {
            running: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
        }
    }

    /// Runs `work` on a blocking thread once a worker is free, or refuses
    /// at once with [`AccountError::Busy`] when the queue is full.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let admitted = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| AccountError::Busy {
                retry_after: BUSY_RETRY_AFTER,
            })?;
        let running = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|e| AccountError::Hash(e.to_string()))?;
        // The permits go with the work, not with this future: a client that
        // hangs up mid-hash must not free a slot while its hash still runs.
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop((running, admitted));
            out
        })
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_workers_and_the_queue_a_hash_is_refused_as_busy() {
        let gate = Arc::new(HashGate::new(1, 1));
        let (release, held) = mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        // One hash running, held until released.
        let first = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move {
                gate.run(move || {
                    started_tx.send(()).unwrap();
                    held.recv().unwrap();
                    1
                })
                .await
            }
        });
        started.await.unwrap();
        // One waiting in the queue.
        let second = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.run(|| 2).await }
        });
        while gate.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // The third finds the queue full.
        let third = gate.run(|| 3).await;
        assert!(
            matches!(
                third,
                Err(AccountError::Busy {
                    retry_after: BUSY_RETRY_AFTER
                })
            ),
            "{third:?}"
        );
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(second.await.unwrap().unwrap(), 2);
        // Once they are done, the gate admits again.
        assert_eq!(gate.run(|| 4).await.unwrap(), 4);
    }
}
