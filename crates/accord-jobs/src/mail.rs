//! Email by SMTP, through `lettre`. Configured from the server's
//! environment (or the same keys in its config file, which `accord serve`
//! reads into the environment's place): see [`MailSettings::from_env`].

use std::{fmt, time::Duration};

use accord_store::Delivery;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP: only for a relay on the same host or a trusted network.
    None,
    /// STARTTLS on the submission port, usually 587. The default.
    StartTls,
    /// TLS from the first byte ("SMTPS"), usually port 465.
    Tls,
}

impl Security {
    fn parse(s: &str) -> Option<Security> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" | "plain" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" | "smtps" | "wrapper" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// Where and how Accord sends email.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The user name and password, where the server wants them.
    pub credentials: Option<(String, String)>,
    /// The From address, such as `Accord <accord@partnership.example.org>`.
    pub from: String,
    /// How long one send may take before it is retried later.
    pub timeout: Duration,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A mistake in the mail settings, saying what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(pub String);

impl MailSettings {
    /// Reads `ACCORD_SMTP_HOST`, `ACCORD_SMTP_PORT`, `ACCORD_SMTP_SECURITY`
    /// (`none`, `starttls` or `tls`), `ACCORD_SMTP_USERNAME`,
    /// `ACCORD_SMTP_PASSWORD` and `ACCORD_MAIL_FROM` through `var`. `None`
    /// when no host is set: email is off and notifications are shown in
    /// the app only.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<MailSettings>, MailConfigError> {
        let Some(host) = var("ACCORD_SMTP_HOST").filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let security = match var("ACCORD_SMTP_SECURITY") {
            None => Security::StartTls,
            Some(s) => Security::parse(&s).ok_or_else(|| {
                MailConfigError(format!(
                    "ACCORD_SMTP_SECURITY is `{s}`: write `starttls` (port 587), `tls` (port \
                     465) or `none` (a relay on this host only)"
                ))
            })?,
        };
        let port = match var("ACCORD_SMTP_PORT") {
            None => match security {
                Security::None => 25,
                Security::StartTls => 587,
                Security::Tls => 465,
            },
            Some(p) => p.trim().parse().map_err(|_| {
                MailConfigError(format!(
                    "ACCORD_SMTP_PORT is `{p}`: write a port number such as 587"
                ))
            })?,
        };
        let credentials = match (var("ACCORD_SMTP_USERNAME"), var("ACCORD_SMTP_PASSWORD")) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => {
                return Err(MailConfigError(
                    "set both ACCORD_SMTP_USERNAME and ACCORD_SMTP_PASSWORD, or neither".into(),
                ));
            }
        };
        let from = var("ACCORD_MAIL_FROM").ok_or_else(|| {
            MailConfigError(
                "ACCORD_SMTP_HOST is set but ACCORD_MAIL_FROM is not: give the From address, \
                 such as `Accord <accord@partnership.example.org>`"
                    .into(),
            )
        })?;
        from.parse::<Mailbox>().map_err(|e| {
            MailConfigError(format!(
                "ACCORD_MAIL_FROM `{from}` is not an email address ({e}): write it as \
                 `accord@partnership.example.org` or `Accord <accord@partnership.example.org>`"
            ))
        })?;
        Ok(Some(MailSettings {
            host: host.trim().to_owned(),
            port,
            security,
            credentials,
            from,
            timeout: Duration::from_secs(30),
        }))
    }
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// True when trying again cannot help: the server refused the address
    /// or the message for good (an SMTP 5xx reply).
    pub permanent: bool,
    /// What went wrong, without the message's content.
    pub reason: String,
}

/// Sends deliveries by SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.email.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `settings`. Connects only when it sends.
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailConfigError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailConfigError(format!("ACCORD_MAIL_FROM is not an address: {e}")))?;
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned())
                .map_err(|e| MailConfigError(format!("cannot set up TLS for {host}: {e}")))
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
                .port(settings.port)
                .timeout(Some(settings.timeout));
        builder = match settings.security {
            Security::None => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls(&settings.host)?)),
            Security::Tls => builder.tls(Tls::Wrapper(tls(&settings.host)?)),
        };
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let domain = from.email.domain().to_owned();
        Ok(Mailer {
            transport: builder.build(),
            from,
            domain,
        })
    }

    /// Sends `delivery`, with its key as the Message-ID, and returns once
    /// the server has accepted it.
    pub async fn send(&self, delivery: &Delivery) -> Result<(), SendFailure> {
        let to: Mailbox = delivery.address.parse().map_err(|e| SendFailure {
            permanent: true,
            reason: format!("the address in the directory is not an email address ({e})"),
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&delivery.subject)
            .message_id(Some(format!("<{}@{}>", delivery.key, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(delivery.body.clone())
            .map_err(|e| SendFailure {
                permanent: true,
                reason: format!("the message could not be built: {e}"),
            })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendFailure {
                permanent: e.is_permanent(),
                reason: e.to_string(),
            })
    }
}
