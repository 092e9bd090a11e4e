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
        // Through `../accord-web`, so the command line's end-to-end test,
        // which borrows this module, finds it too.
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../accord-web/assets/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/build-assets (./scripts/test does), which installs axe-core",
            path.display()
        )
    })
}

/// A Chrome DevTools Protocol command, sent through chromedriver's
/// `goog/cdp/execute` extension: what WebDriver itself cannot do.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// The narrowest window Chromium opens, in CSS pixels.
const MIN_WINDOW: u32 = 500;

impl Browser {
    /// Starts Chromium for the test `test`, browsing the server at `base`.
    pub async fn start(test: &str, base: &str) -> Browser {
        Browser::start_with(test, base, true, (1280, 1000)).await
    }

    /// As [`Browser::start`], in a window of `(width, height)` CSS pixels:
    /// `(320, 640)` is a phone, for the reflow checks of WCAG 2.2 1.4.10.
    pub async fn start_sized(test: &str, base: &str, size: (u32, u32)) -> Browser {
        Browser::start_with(test, base, true, size).await
    }

    /// Starts Chromium with JavaScript turned off for pages, as some
    /// people and some locked-down machines browse: every page must work
    /// so. (WebDriver's own scripts, which the helpers use to wait for
    /// pages and to run axe-core, still run.)
    pub async fn start_without_javascript(test: &str, base: &str) -> Browser {
        Browser::start_with(test, base, false, (1280, 1000)).await
    }

    async fn start_with(
        test: &str,
        base: &str,
        javascript: bool,
        (width, height): (u32, u32),
    ) -> Browser {
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
        let mut options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--no-first-run",
                format!("--window-size={},{}", width.max(MIN_WINDOW), height),
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        // Chromium's windows are never narrower than 500 pixels: a phone's
        // width is its device emulation, which lays pages out as a phone
        // would (as DevTools' device toolbar does).
        if width < MIN_WINDOW {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 }
            });
        }
        let mut capabilities = serde_json::Map::new();
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        capabilities.insert("goog:chromeOptions".to_owned(), options);
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
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let at = self.path().await;
                let main = self.client.find(Locator::Css("main")).await.ok();
                let text = match main {
                    Some(m) => m.text().await.unwrap_or_default(),
                    None => String::new(),
                };
                panic!("no element {css} at {at} on {}: {e}\n{text}", self.base)
            }
        }
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

    /// The text of the element `css` selects, shown or not (an SVG's
    /// `title`, which screen readers read and the page does not show).
    pub async fn text_content(&self, css: &str) -> String {
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
                vec![json!(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no element {css}"))
    }

    /// Clicks the link with the words `text`, and waits for its page.
    pub async fn follow(&self, text: &str) {
        let before = self.mark_page().await;
        self.client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link “{text}” on {before}: {e}"))
            .click()
            .await
            .expect("the click");
        self.wait_until_loaded(&before).await;
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("the click");
    }

    /// Saves a screenshot of the page as `NN-name.png` in the test's
    /// folder.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.taken += 1;
        // The whole page, not only the window: the window grows to fit it
        // for the picture, then goes back.
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000)
            .clamp(1000, 8000) as u32;
        let _ = self.client.set_window_size(1280, height + 140).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        let _ = self.client.set_window_size(1280, 1000).await;
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, png).expect("the screenshot is saved");
        path
    }

    /// The whole page, top to bottom, at the width it is laid out at (a
    /// phone's, under device emulation, where a window screenshot shows
    /// only the first screenful): saved as [`Browser::screenshot`] does,
    /// and under `ACCORD_DOCS_SCREENSHOTS` as `name.png` when `docs`.
    pub async fn whole_page_shot(&mut self, name: &str, docs: bool) -> PathBuf {
        use base64::Engine as _;
        let size = self
            .client
            .execute(
                "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]",
                vec![],
            )
            .await
            .expect("the page is measured");
        let (width, height) = (
            size[0].as_u64().unwrap_or(320),
            size[1].as_u64().unwrap_or(640).min(12_000),
        );
        // The emulated screen is made as tall as the page for the picture,
        // then put back.
        let metrics = |height: u64| DevTools {
            cmd: "Emulation.setDeviceMetricsOverride",
            params: json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true }),
        };
        let screen = self
            .client
            .execute("return window.innerHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(640);
        self.client
            .issue_cmd(metrics(height))
            .await
            .expect("the screen is made as tall as the page");
        let shot = self
            .client
            .issue_cmd(DevTools {
                cmd: "Page.captureScreenshot",
                params: json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
            })
            .await
            .expect("a screenshot of the whole page");
        self.client
            .issue_cmd(metrics(screen))
            .await
            .expect("the screen is put back");
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("the picture"))
            .expect("base64 PNG");
        self.taken += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, &png).expect("the screenshot is saved");
        if docs && let Some(dir) = std::env::var_os("ACCORD_DOCS_SCREENSHOTS") {
            std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), &png)
                .expect("the screenshot is saved");
        }
        path
    }

    /// When `ACCORD_DOCS_SCREENSHOTS` names a folder (`scripts/screenshots`
    /// sets it), saves what the window shows there as `name.png`, for the
    /// README's pictures.
    pub async fn docs_shot(&self, name: &str) {
        let Some(dir) = std::env::var_os("ACCORD_DOCS_SCREENSHOTS") else {
            return;
        };
        let _ = self.client.set_window_size(1280, 1500).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        let _ = self.client.set_window_size(1280, 1000).await;
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is saved");
    }

    /// As [`Browser::docs_shot`], of the element `css` only, with the
    /// window tall enough to show all of it.
    pub async fn docs_shot_of(&self, css: &str, name: &str) {
        let Some(dir) = std::env::var_os("ACCORD_DOCS_SCREENSHOTS") else {
            return;
        };
        let element = self.find(css).await;
        let height = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); e.scrollIntoView(); \
                 return Math.ceil(e.getBoundingClientRect().height)",
                vec![json!(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000) as u32;
        let _ = self.client.set_window_size(1280, height + 300).await;
        let _ = self
            .client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView(); return true",
                vec![json!(css)],
            )
            .await;
        let png = element
            .screenshot()
            .await
            .expect("a screenshot of the element");
        let _ = self.client.set_window_size(1280, 1000).await;
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is saved");
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

    /// Issue 14 §4's reflow, on the page shown: at 320 by 640 CSS pixels
    /// (WCAG 2.2 1.4.10) the page does not scroll sideways
    /// (`document.documentElement.scrollWidth <= 320`) and passes axe-core;
    /// saves a screenshot of it at that width as `NN-name.png`, then goes
    /// back to the desktop window.
    pub async fn at_phone_width(&mut self, name: &str) {
        let _ = self.client.set_window_size(320, 640).await;
        let widths = self
            .client
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await
            .expect("the widths");
        let [inner, scroll] = [0, 1].map(|i| widths[i].as_u64().unwrap_or(u64::MAX));
        assert_eq!(inner, 320, "{name}: the window is 320 CSS pixels wide");
        assert!(
            scroll <= 320,
            "{name} ({}): {scroll} CSS pixels wide at 320, so it scrolls sideways",
            self.path().await
        );
        self.axe(&format!("{name}, 320 pixels wide")).await;
        self.taken += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, png).expect("the screenshot is saved");
        let _ = self.client.set_window_size(1280, 1000).await;
    }

    /// Ticks or chooses the option of `name` that sends `value`.
    pub async fn choose(&self, name: &str, value: &str) {
        self.click(&format!("input[name=\"{name}\"][value=\"{value}\"]"))
            .await;
    }

    /// Sends the page's form with its first button, and waits for the page
    /// that follows.
    pub async fn submit(&self) {
        let before = self.mark_page().await;
        // A people picker's "Find people" and "Add another professional"
        // come before the form's own button, and are not it.
        self.click("main form button[type=submit]:not([name=find])")
            .await;
        self.wait_until_loaded(&before).await;
    }

    /// Clicks the button `css` selects, which sends its form, and waits for
    /// the page that answers (even at the same address).
    pub async fn press_button(&self, css: &str) {
        let before = self.mark_page().await;
        self.click(css).await;
        self.wait_until_loaded(&before).await;
    }

    /// Marks the page shown, so that [`Browser::wait_until_loaded`] can
    /// tell when another has replaced it (even at the same address), and
    /// returns its path.
    async fn mark_page(&self) -> String {
        self.client
            .execute("window.__accordLeft = false; return true;", vec![])
            .await
            .expect("the page runs scripts");
        self.path().await
    }

    /// Waits until a new page has loaded after leaving one at `before`.
    async fn wait_until_loaded(&self, before: &str) {
        let started = Instant::now();
        loop {
            let left = self
                .client
                .execute(
                    "return window.__accordLeft === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await
                .map(|v| v == true)
                .unwrap_or(false);
            if left {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the browser stayed at {before}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs in as `name` with the demo password, from the sign-in page.
    pub async fn sign_in(&self, name: &str) {
        self.open("/sign-in").await;
        self.fill("sign_in", name).await;
        self.fill("password", accord_demo::DEMO_PASSWORD).await;
        self.submit().await;
        assert!(
            !self.path().await.starts_with("/sign-in"),
            "{name} could not sign in"
        );
    }

    /// Signs out with the button in the header.
    pub async fn sign_out(&self) {
        self.click("form.accord-sign-out button").await;
        self.wait_for(|p| p == "/sign-in").await;
    }

    /// Presses `keys` (text, or [`fantoccini::key::Key`]s as chars) in
    /// whatever has the keyboard focus.
    pub async fn press(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .expect("something has the focus")
            .send_keys(keys)
            .await
            .expect("the keys are pressed");
    }

    /// Whether the element with the focus matches `css`.
    pub async fn focused(&self, css: &str) -> bool {
        self.client
            .execute(
                "return document.activeElement !== null && document.activeElement.matches(arguments[0])",
                vec![json!(css)],
            )
            .await
            .map(|v| v == true)
            .unwrap_or(false)
    }

    /// Presses Tab until the element with the focus matches `css`, as
    /// someone using the keyboard moves through a page; fails after 80.
    pub async fn tab_to(&self, css: &str) {
        for _ in 0..80 {
            if self.focused(css).await {
                return;
            }
            self.press(&char::from(fantoccini::key::Key::Tab).to_string())
                .await;
        }
        panic!("Tab never reached {css} on {}", self.path().await);
    }

    /// In the radios that have the focus, presses the down arrow until the
    /// one sending `value` is chosen.
    pub async fn arrow_to(&self, value: &str) {
        for _ in 0..30 {
            if self
                .focused(&format!("input[type=radio][value=\"{value}\"]"))
                .await
            {
                // Tabbing into a group with nothing chosen focuses its first
                // radio without choosing it: Space does.
                if !self.focused("input:checked").await {
                    self.press(&char::from(fantoccini::key::Key::Space).to_string())
                        .await;
                }
                return;
            }
            self.press(&char::from(fantoccini::key::Key::Down).to_string())
                .await;
        }
        panic!("the arrow keys never reached {value}");
    }

    /// Presses Enter, and waits for the page it leads to.
    pub async fn enter(&self) {
        let before = self.mark_page().await;
        self.press(&char::from(fantoccini::key::Key::Enter).to_string())
            .await;
        self.wait_until_loaded(&before).await;
    }

    /// In the people picker `name`, with JavaScript, types `query` and
    /// chooses the person whose id is `value` with the arrow keys and
    /// Enter, as someone using the keyboard alone does; fails if they are
    /// never suggested.
    pub async fn pick(&self, name: &str, query: &str, value: &str) {
        self.fill(name, query).await;
        self.arrow_to_option(name, value).await;
        let chosen = format!("input[type=hidden][name=\"{name}\"][value=\"{value}\"]");
        assert!(self.present(&chosen).await, "{value} is not chosen");
    }

    /// In the agency chooser `name`, with JavaScript, types the first word
    /// of the agency's name and chooses the agency whose id is `value`
    /// with the arrow keys and Enter, as someone using the keyboard alone
    /// does; fails if it is never offered or not chosen.
    pub async fn choose_agency(&self, name: &str, value: &str) {
        let label = self
            .client
            .execute(
                "const o = document.querySelector(`#${arguments[0]}-select option[value='${arguments[1]}']`);
                 return o ? o.textContent.trim() : null;",
                vec![json!(name), json!(value)],
            )
            .await
            .expect("the chooser is read");
        let label = label
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not an agency {name} offers"))
            .to_owned();
        let first = label.split_whitespace().next().unwrap_or_default();
        self.fill(name, first).await;
        self.arrow_to_option(name, value).await;
        let chosen = self
            .client
            .execute(
                "return document.getElementById(arguments[0] + '-select').value",
                vec![json!(name)],
            )
            .await
            .expect("the select is read");
        assert_eq!(chosen, json!(value), "{label} is not chosen");
        assert_eq!(
            self.find(&format!("#{name}"))
                .await
                .prop("value")
                .await
                .unwrap(),
            Some(label)
        );
    }

    /// With a combobox's list open, presses Down until the option of
    /// `name`'s list that sends `value` is the active one, then Enter.
    pub async fn arrow_to_option(&self, name: &str, value: &str) {
        let option = format!("#{name}-listbox [data-value=\"{value}\"]");
        self.wait_for_element(&option).await;
        for _ in 0..30 {
            if self.present(&format!("{option}[aria-selected=true]")).await {
                self.press(&char::from(fantoccini::key::Key::Enter).to_string())
                    .await;
                return;
            }
            self.press(&char::from(fantoccini::key::Key::Down).to_string())
                .await;
        }
        panic!("the arrow keys never reached {value}");
    }

    /// In the people picker `name`, chooses the person whose id is
    /// `value` by typing their name (read from the directory as the page's
    /// session may) and choosing them with the keyboard, as
    /// [`Browser::pick`] does.
    pub async fn pick_person(&self, name: &str, value: &str) {
        let person = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('/api/v1/me').then(r => r.json())
                   .then(me => fetch(`/api/v1/partnerships/${me.partnership}/people`))
                   .then(r => r.json())
                   .then(people => done((people.find(p => p.id === arguments[0]) || {}).name || null),
                         () => done(null));",
                vec![json!(value)],
            )
            .await
            .expect("the directory is read");
        let person = person
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not in the directory"))
            .to_owned();
        self.pick(name, &person, value).await;
    }

    /// Waits until the page has an element `css` selects.
    pub async fn wait_for_element(&self, css: &str) {
        let started = Instant::now();
        while !self.present(css).await {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} never appeared on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element `css` selects holds `words`, shown or not
    /// (a live region's announcement).
    pub async fn wait_for_text(&self, css: &str, words: &str) {
        let started = Instant::now();
        loop {
            let text = self
                .client
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''",
                    vec![json!(css)],
                )
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            if text.contains(words) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} never said “{words}”: “{text}”"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the button `css` selects, and waits for the page it leads to.
    pub async fn click_and_wait(&self, css: &str) {
        let before = self.mark_page().await;
        self.click(css).await;
        self.wait_until_loaded(&before).await;
    }

    /// Whether the page has an element `css` selects.
    pub async fn present(&self, css: &str) -> bool {
        self.client
            .execute(
                "return document.querySelector(arguments[0]) !== null",
                vec![json!(css)],
            )
            .await
            .map(|v| v == true)
            .unwrap_or(false)
    }

    /// Ends the session and stops the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
