//! `accord serve` run as a child process for a test, and a person signed
//! in to it over HTTP, as the load-balancer and log tests use them.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

/// The demo's password.
pub const DEMO_PASSWORD: &str = "accord-demo-password";

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `accord serve` from `command` (an `accord` with its options and
/// environment, standard error already directed) on a port of its
/// choosing; the running process and its address (`127.0.0.1:PORT`).
pub fn serve(mut command: Command) -> (Running, String) {
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("accord serve starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let running = Running(child);
    let address = line
        .trim()
        .strip_prefix("Accord is serving on http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    // Keep draining standard output so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (running, address)
}

/// A blocking HTTP client that follows no redirect.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `who` in at `base` with the demo password: the session cookie,
/// and a read and write API token made with it (`Bearer …`).
pub fn sign_in(base: &str, who: &str) -> (String, String) {
    let http = client();
    let answer = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"sign_in": who, "password": DEMO_PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200, "{who} signs in");
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let csrf = answer.json::<Value>().unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = http
        .post(format!("{base}/api/v1/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"scopes": ["read", "write"], "label": "a test"}))
        .send()
        .unwrap();
    assert!(made.status().is_success(), "{}", made.status());
    let token = made.json::<Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    (cookie, format!("Bearer {token}"))
}
