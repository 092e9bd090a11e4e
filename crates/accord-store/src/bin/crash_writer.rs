//! A test helper, not a tool: appends sample Havering events to the store
//! at the URL given, with the master key in the file given, forever, printing `CASE VERSION` after each commit.
//! The crash-safety test kills it with SIGKILL mid-stream and checks that
//! every version it printed survived.

#[path = "../../tests/common/sample.rs"]
mod sample;

use std::io::Write;

use accord_store::{LocalMasterKey, Store};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let usage = "usage: accord-store-crash-writer DATABASE_URL MASTER_KEY_FILE";
    let url = std::env::args().nth(1).expect(usage);
    let key_file = std::env::args().nth(2).expect(usage);
    let master =
        LocalMasterKey::read(std::path::Path::new(&key_file)).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&url, sample::policies(), std::sync::Arc::new(master))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = std::io::stdout().lock();
    let now = sample::at("2025-03-03T10:00:00Z");
    for n in 0.. {
        let id = format!("CRASH-{n}");
        let mut case = store
            .append(None, &sample::raise(&id, now))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .case;
        writeln!(out, "{id} {}", case.version().get()).expect("stdout is open");
        out.flush().expect("stdout is open");
        for i in 0..3 {
            let events = sample::discussion(&case, now, &format!("Discussion {i}."));
            case = store
                .append(Some(case.version()), &events)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .case;
            writeln!(out, "{id} {}", case.version().get()).expect("stdout is open");
            out.flush().expect("stdout is open");
        }
    }
}
