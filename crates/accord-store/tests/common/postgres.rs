//! A PostgreSQL server for tests, and a fresh database on it per test.
//!
//! The server is `ACCORD_TEST_DATABASE_URL` if set (a URL to a database the
//! user may `CREATE DATABASE` from). Otherwise the first test to ask starts
//! a throwaway cluster with the system's `initdb` and `pg_ctl` on a free
//! port in a temporary folder, shared by the whole test binary; a detached
//! watcher stops it and removes the folder when the test process exits.
//! When running as root (as CI does), the cluster runs as the `postgres`
//! user through `runuser`, since PostgreSQL refuses to run as root. If no
//! server can be had the tests fail, saying why: they never skip.
#![allow(dead_code)]

use std::{
    net::TcpListener,
    os::unix::{fs::MetadataExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
};

use sqlx::{Connection, PgConnection};

/// The password of the throwaway cluster's `postgres` user: it checks
/// passwords over TCP, so a wrong one is refused as in production.
pub const PASSWORD: &str = "accord-test-password";

/// A running server: a URL to a database on it that may create others.
#[derive(Debug)]
pub struct Server {
    /// The admin URL.
    pub admin_url: String,
    /// The port of a throwaway cluster (`None` when given by URL).
    pub port: Option<u16>,
}

/// The shared server, started on first use. A throwaway cluster runs with
/// fsync off: the tests kill clients, never the server.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    get(&SERVER, false)
}

/// A server that commits durably (fsync on), for the benchmarks.
pub fn durable_server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    get(&SERVER, true)
}

fn get(server: &'static OnceLock<Result<Server, String>>, durable: bool) -> &'static Server {
    match server.get_or_init(|| start(durable)) {
        Ok(server) => server,
        Err(why) => panic!(
            "no PostgreSQL for the storage tests: {why}. Set ACCORD_TEST_DATABASE_URL to a \
             database URL whose user may CREATE DATABASE, or put PostgreSQL's initdb and \
             pg_ctl on PATH"
        ),
    }
}

/// A new, empty database on the shared server, and its URL.
pub async fn fresh_database() -> String {
    fresh_database_on(server()).await
}

/// A new, empty database on `server`, and its URL.
pub async fn fresh_database_on(server: &Server) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "accord_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&server.admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL server: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    admin.close().await.ok();
    with_database(&server.admin_url, &name)
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

fn start(durable: bool) -> Result<Server, String> {
    if let Ok(url) = std::env::var("ACCORD_TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Ok(Server {
            admin_url: url,
            port: None,
        });
    }
    let initdb = find_tool("initdb")?;
    let pg_ctl = find_tool("pg_ctl")?;
    let as_root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    let dir = tempfile::Builder::new()
        .prefix("accord-test-pg-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?
        .keep();
    let data = dir.join("data");
    std::fs::write(dir.join("pwfile"), PASSWORD).map_err(|e| e.to_string())?;
    if as_root {
        run(Command::new("chown").args(["-R", "postgres:"]).arg(&dir))?;
    }
    let as_server_user = |tool: &Path| {
        if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        }
    };
    run(as_server_user(&initdb)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ])
        .arg(format!("--pwfile={}", dir.join("pwfile").display())))?;
    let port = free_port()?;
    // The server survives only the test run: fsync off makes it fast, and
    // the crash tests kill the client, never the server.
    let durability = if durable {
        ""
    } else {
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 {durability} -c max_connections=300",
        dir.display()
    );
    run(as_server_user(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-w", "-t", "120", "-o", &options, "start"]))?;
    watch_and_stop(&pg_ctl, &data, &dir, as_root);
    Ok(Server {
        admin_url: format!("postgres://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"),
        port: Some(port),
    })
}

/// Starts a detached shell that waits for this process to exit, then stops
/// the cluster and removes its folder.
fn watch_and_stop(pg_ctl: &Path, data: &Path, dir: &Path, as_root: bool) {
    let stop = if as_root {
        "runuser -u postgres -- \"$1\" -D \"$2\" stop -m immediate"
    } else {
        "\"$1\" -D \"$2\" stop -m immediate"
    };
    let script = format!(
        "while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf \"$3\""
    );
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(std::process::id().to_string())
        .arg(pg_ctl)
        .arg(data)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(e) = spawned {
        eprintln!("warning: cannot start the watcher that stops the test PostgreSQL: {e}");
    }
}

pub fn find_tool(name: &str) -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut candidates: Vec<PathBuf> = on_path.into_iter().map(|d| d.join(name)).collect();
    // Debian keeps the server tools off PATH.
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = versions.flatten().map(|e| e.path()).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev().map(|v| v.join("bin").join(name)));
    }
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .ok_or_else(|| format!("`{name}` is not on PATH or in /usr/lib/postgresql/*/bin"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}
