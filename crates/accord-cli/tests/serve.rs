//! `accord serve` as a process: it announces its address, answers, and on
//! SIGTERM finishes the request in flight before exiting 0.

mod support;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
};

use support::served::{Running, serve};

/// Starts `accord serve` on a free port with a fresh data folder, and
/// returns the process, its address (`127.0.0.1:PORT`) and its standard
/// error, read line by line.
fn start(data_dir: &std::path::Path) -> (Running, String, BufReader<std::process::ChildStderr>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped());
    let (mut server, address) = serve(command);
    let stderr = BufReader::new(server.0.stderr.take().unwrap());
    (server, address, stderr)
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address, mut stderr) = start(dir.path());
    let child = &mut server.0;

    // A request whose body is held back: with `Expect: 100-continue` the
    // server says "100 Continue" only once the handler is reading the body,
    // so after it the request is certainly in flight.
    let body = r#"{"source": "id = \"x\""}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/policy-checks HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 100"), "{status:?}");
    let mut blank = String::new();
    reader.read_line(&mut blank).unwrap();

    sigterm(child);
    // Wait until the server has seen the signal before finishing the body.
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server exited without saying it was shutting down"
        );
        // Issue 14 §9: a log read from a pipe or a file is plain text,
        // with no terminal colour codes.
        assert!(
            !line.contains('\u{1b}'),
            "a colour code in the log: {line:?}"
        );
        if line.contains("shutting down") {
            break;
        }
    }

    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    reader.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""valid":false"#), "{response}");

    let exit = child.wait().unwrap();
    assert!(exit.success(), "accord serve exited with {exit}");
    // And it is no longer listening.
    assert!(TcpStream::connect(&address).is_err());
}

#[test]
fn an_address_in_use_is_refused_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--listen", &address, "--data-dir"])
        .arg(dir.path())
        .env_remove("ACCORD_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(stderr.contains("--listen"), "{stderr}");
}

#[test]
fn demo_seeds_then_prints_the_sign_ins_and_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("ACCORD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("accord starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let mut line = String::new();
    while !line.starts_with("Accord is serving on http://127.0.0.1:") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{printed}");
        printed.push_str(&line);
    }
    assert!(printed.contains("Seeded the demo"), "{printed}");
    assert!(printed.contains("Demo sign-ins"), "{printed}");
    sigterm(&child);
    let exit = child.wait().unwrap();
    assert!(exit.success(), "accord serve exited with {exit}");
}

/// Issue 13 §1: "`accord serve` on an empty database says what to do
/// next": create a partnership and its first administrator, or try the
/// demo. It prints commands only, never a secret, so a shared console gives
/// nobody a way in.
#[test]
fn an_empty_database_says_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("accord starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    let mut line = String::new();
    while !said.contains("Email is") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{said}");
        said.push_str(&line);
    }
    sigterm(&child);
    assert!(child.wait().unwrap().success());
    assert!(
        said.contains("This database has no partnership yet, so nobody can sign in."),
        "{said}"
    );
    assert!(said.contains("accord partnership create ID"), "{said}");
    assert!(said.contains("--tier admin"), "{said}");
    assert!(said.contains("accord serve --demo"), "{said}");
}
