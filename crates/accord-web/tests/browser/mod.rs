//! Real Chromium for the browser tests: Debian's `chromium`, driven over
//! WebDriver by Debian's `chromedriver`, both started by the test; each
//! test's screenshots go to `target/browser-screenshots/<test>/`, and
//! `axe` runs axe-core (from `crates/accord-web/assets/node_modules`, which
//! `scripts/build-assets` installs) on the page and fails on any WCAG 2.2
//! A or AA violation.
#![allow(dead_code)]

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

/// The browser and its driver; closed when the test calls [`Browser::close`].
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    base: String,
    shots: PathBuf,
    taken: usize,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn which(program: &str, hint: &str) -> String {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    found.unwrap_or_else(|| panic!("{program} is not installed: {hint}"))
}

/// axe-core's script, as `scripts/build-assets` installs it.
fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/build-assets (./scripts/test does), which installs axe-core",
            path.display()
        )
    })
}

impl Browser {
    /// Starts Chromium for the test `test`, browsing the server at `base`.
    pub async fn start(test: &str, base: &str) -> Browser {
        let chromium = which("chromium", "apt-get install chromium (./scripts/test does)");
        let chromedriver = which(
            "chromedriver",
            "apt-get install chromium-driver (./scripts/test does)",
        );
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(
                ready.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-quic", "--no-first-run",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .expect("a WebDriver session in Chromium");
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/browser-screenshots")
            .join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("the screenshot folder");
        Browser {
            client,
            driver,
            base: base.to_owned(),
            shots,
            taken: 0,
            _profile: profile,
        }
    }

    /// Opens `path` on the server.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("the page loads");
    }

    /// The path of the page shown, with its query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("a URL");
        let path = url.path().to_owned();
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        }
    }

    /// Waits until the page shown is at a path `arrived` accepts, as after
    /// a link or a form takes the browser on; fails after ten seconds.
    pub async fn wait_for(&self, arrived: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let path = self.path().await;
            let complete = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .map(|v| v == "complete")
                .unwrap_or(false);
            if complete && arrived(&path) {
                return path;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the browser stayed at {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element `css` selects.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on {}: {e}", self.base))
    }

    /// Types `text` into the field with id `id`.
    pub async fn fill(&self, id: &str, text: &str) {
        let field = self.find(&format!("#{id}")).await;
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("typing");
    }

    /// The text of the element `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("its text")
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("the click");
    }

    /// Saves a screenshot of the page as `NN-name.png` in the test's
    /// folder.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.taken += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, png).expect("the screenshot is saved");
        path
    }

    /// Runs axe-core on the page and fails, listing them, on any WCAG 2.2
    /// A or AA violation.
    pub async fn axe(&self, what: &str) {
        self.client
            .execute(&format!("{}\nreturn true;", axe_source()), vec![])
            .await
            .expect("axe-core loads");
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values:
                   ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] } })
                   .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact,
                     help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))),
                     e => done([{ id: 'axe-failed', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let list = violations.as_array().cloned().unwrap_or_default();
        assert!(
            list.is_empty(),
            "{what} ({}): accessibility violations:\n{}",
            self.path().await,
            serde_json::to_string_pretty(&Value::Array(list)).unwrap()
        );
    }

    /// Ends the session and stops the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
