//! Keys (issue 17 §1): the master key that is never in the database, the
//! data key each case's personal data is sealed with, the key the blind
//! indexes are made with, and the one cipher they all use.
//!
//! - A **master key** wraps every other key and the few secrets kept
//!   beside the directory (second factors, identity providers' client
//!   secrets). It lives outside the database: in a file named by
//!   `--master-key-file` or `ACCORD_MASTER_KEY_FILE`, or, for the embedded
//!   default, `master.key` in the data folder, made on first run. A key
//!   management service can stand behind the [`MasterKey`] interface
//!   instead: Accord only asks it to wrap and unwrap short secrets.
//! - Each case has a **data key** of its own (`case_keys`, migration 0021),
//!   stored wrapped by the master key, bound to its case: a wrapped key
//!   moved to another case does not open. Erasing a case destroys it.
//! - One **index key** (`key_ring`) makes the keyed blind indexes search
//!   finds children by, so no name or identifier is stored in plain text.
//!
//! The cipher is XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`): an
//! authenticated cipher with 192-bit random nonces, so a nonce is never
//! repeated however many values are sealed, and a changed byte fails to
//! open. Every sealed value is `version (1) || nonce (24) || ciphertext`,
//! and names what it is for (its associated data), so a value copied into
//! another place does not open there either.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The first byte of every sealed value: the cipher and layout above.
const FORMAT: u8 = 1;
/// The nonce's length in bytes.
const NONCE: usize = 24;

/// The file name of the master key Accord makes in the data folder when no
/// other is named.
pub const MASTER_KEY_FILE: &str = "master.key";

/// What can go wrong with a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The master key file could not be read.
    #[error(
        "could not read the master key file {}: {source}. Name the file that holds this database's master key with --master-key-file or ACCORD_MASTER_KEY_FILE",
        path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold a key.
    #[error(
        "the master key file {} does not hold a master key: it must hold 64 hexadecimal characters, as `accord keys new` writes",
        path.display()
    )]
    Malformed {
        /// The file.
        path: PathBuf,
    },
    /// Others than its owner may read the file.
    #[error(
        "the master key file {} may be read by others than its owner: run `chmod 600 {}`",
        path.display(), path.display()
    )]
    Exposed {
        /// The file.
        path: PathBuf,
    },
    /// A new key file could not be written.
    #[error("could not write the master key file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database's keys are wrapped by another master key.
    #[error(
        "this database's keys are wrapped by master key {expected}, but the master key given is {given}: name the file that holds master key {expected} with --master-key-file or ACCORD_MASTER_KEY_FILE. Without it nothing sealed in this database can be read"
    )]
    WrongMasterKey {
        /// The id of the key the database expects.
        expected: String,
        /// The id of the key given.
        given: String,
    },
    /// A sealed value did not open: it was altered, or belongs elsewhere.
    #[error("{what} did not open with its key: it has been altered, or was moved from elsewhere")]
    Unopened {
        /// What it was.
        what: String,
    },
    /// A key management service refused.
    #[error("the key service refused: {0}")]
    Service(String),
}

/// What wraps every other key. A key management service can stand behind
/// it: it is only asked to wrap and unwrap short secrets, each bound to a
/// `context` naming what it is for.
pub trait MasterKey: Send + Sync + fmt::Debug {
    /// A short fingerprint naming this key (never the key itself), stored
    /// beside what it wraps so that the wrong key is named at start-up.
    fn id(&self) -> &str;
    /// Seals `secret` for `context`.
    fn wrap(&self, context: &str, secret: &[u8]) -> Result<Vec<u8>, KeyError>;
    /// Opens what [`MasterKey::wrap`] sealed for the same `context`.
    fn unwrap(&self, context: &str, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError>;
}

/// A master key held in this process, read from a file.
pub struct LocalMasterKey {
    key: Zeroizing<[u8; 32]>,
    id: String,
}

impl fmt::Debug for LocalMasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalMasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl LocalMasterKey {
    /// A new random key, from the operating system's generator.
    pub fn generate() -> LocalMasterKey {
        LocalMasterKey::from_bytes(random())
    }

    /// The key whose 32 bytes are `bytes`.
    pub fn from_bytes(bytes: [u8; 32]) -> LocalMasterKey {
        let digest = Sha256::new()
            .chain_update(b"accord master key id\0")
            .chain_update(bytes)
            .finalize();
        LocalMasterKey {
            key: Zeroizing::new(bytes),
            id: hex::encode(&digest[..8]),
        }
    }

    /// Reads the key in `path`: 64 hexadecimal characters. On Unix the file
    /// must be readable by its owner alone.
    pub fn read(path: &Path) -> Result<LocalMasterKey, KeyError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeyError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|source| KeyError::Read {
                    path: path.to_owned(),
                    source,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(KeyError::Exposed {
                    path: path.to_owned(),
                });
            }
        }
        let mut bytes = Zeroizing::new([0_u8; 32]);
        hex::decode_to_slice(text.trim(), &mut bytes[..]).map_err(|_| KeyError::Malformed {
            path: path.to_owned(),
        })?;
        Ok(LocalMasterKey::from_bytes(*bytes))
    }

    /// Makes a new key and writes it to `path`, which must not exist,
    /// readable by its owner alone.
    pub fn create(path: &Path) -> Result<LocalMasterKey, KeyError> {
        let key = LocalMasterKey::generate();
        key.write_new(path)?;
        Ok(key)
    }

    /// Writes this key to `path`, which must not exist, readable by its
    /// owner alone.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        use std::io::Write;
        let failed = |source| KeyError::Write {
            path: path.to_owned(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(failed)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(&self.key[..])));
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.sync_all().map_err(failed)
    }

    /// The key in `file` if one is named; otherwise `master.key` in
    /// `data_dir`, made there if it does not exist yet. Says which, and
    /// whether it was made, for the caller to tell the administrator.
    pub fn locate(
        file: Option<&Path>,
        data_dir: &Path,
    ) -> Result<(LocalMasterKey, Located), KeyError> {
        if let Some(file) = file {
            return Ok((LocalMasterKey::read(file)?, Located::Named(file.to_owned())));
        }
        let path = data_dir.join(MASTER_KEY_FILE);
        if path.exists() {
            return Ok((LocalMasterKey::read(&path)?, Located::InDataFolder(path)));
        }
        std::fs::create_dir_all(data_dir).map_err(|source| KeyError::Write {
            path: path.clone(),
            source,
        })?;
        Ok((LocalMasterKey::create(&path)?, Located::Made(path)))
    }
}

/// Where a master key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// The file named by `--master-key-file` or `ACCORD_MASTER_KEY_FILE`.
    Named(PathBuf),
    /// `master.key` in the data folder, as made on an earlier run.
    InDataFolder(PathBuf),
    /// `master.key` in the data folder, made now.
    Made(PathBuf),
}

impl MasterKey for LocalMasterKey {
    fn id(&self) -> &str {
        &self.id
    }

    fn wrap(&self, context: &str, secret: &[u8]) -> Result<Vec<u8>, KeyError> {
        Ok(seal(&self.key, &wrap_context(context), secret))
    }

    fn unwrap(&self, context: &str, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        open(&self.key, &wrap_context(context), wrapped).ok_or_else(|| KeyError::Unopened {
            what: context.to_owned(),
        })
    }
}

fn wrap_context(context: &str) -> Vec<u8> {
    let mut aad = b"accord master key wrap\0".to_vec();
    aad.extend_from_slice(context.as_bytes());
    aad
}

/// 32 random bytes from the operating system.
pub(crate) fn random() -> [u8; 32] {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random generator works");
    bytes
}

/// A 256-bit key made by Accord: a case's data key or the index key.
/// Wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A new random key.
    pub fn generate() -> DataKey {
        DataKey(Zeroizing::new(random()))
    }

    fn from_secret(secret: &[u8], what: &str) -> Result<DataKey, KeyError> {
        let bytes: [u8; 32] = secret.try_into().map_err(|_| KeyError::Unopened {
            what: what.to_owned(),
        })?;
        Ok(DataKey(Zeroizing::new(bytes)))
    }

    /// Seals `plaintext`, bound to `aad`.
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal(&self.0, aad, plaintext)
    }

    /// Opens what [`DataKey::seal`] sealed with the same `aad`.
    pub(crate) fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open(&self.0, aad, sealed)
    }
}

fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0_u8; NONCE];
    getrandom::fill(&mut nonce).expect("the operating system's random generator works");
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("sealing in memory cannot fail");
    let mut out = Vec::with_capacity(1 + NONCE + ciphertext.len());
    out.push(FORMAT);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (&format, rest) = sealed.split_first()?;
    if format != FORMAT || rest.len() < NONCE {
        return None;
    }
    let (nonce, ciphertext) = rest.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().ok()?;
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

/// The store's keys: the master key, and the key ring's keys it unwrapped.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    master: Arc<dyn MasterKey>,
    index: DataKey,
    search_log: DataKey,
}

/// The name of the blind index key's row in `key_ring`.
pub(crate) const INDEX_KEY: &str = "index";
/// The name of the row of the key that seals what each search asked.
pub(crate) const SEARCH_LOG_KEY: &str = "search log";
/// Every key the key ring holds.
pub(crate) const RING: [&str; 2] = [INDEX_KEY, SEARCH_LOG_KEY];

impl Keys {
    /// The keys, once the key ring's have been unwrapped (or made).
    pub(crate) fn new(master: Arc<dyn MasterKey>, index: DataKey, search_log: DataKey) -> Keys {
        Keys {
            master,
            index,
            search_log,
        }
    }

    pub(crate) fn master(&self) -> &Arc<dyn MasterKey> {
        &self.master
    }

    /// The key ring's key `name`, from its wrapped form.
    pub(crate) fn unwrap_ring(
        master: &dyn MasterKey,
        name: &str,
        wrapped: &[u8],
    ) -> Result<DataKey, KeyError> {
        let secret = master.unwrap(name, wrapped)?;
        DataKey::from_secret(&secret, &format!("the key ring's {name} key"))
    }

    /// The key that seals what each search asked.
    pub(crate) fn search_log(&self) -> &DataKey {
        &self.search_log
    }

    /// The context a case's data key is wrapped for: its case, so a
    /// wrapped key moved to another case does not open.
    fn case_context(case: &str) -> String {
        format!("case data key\0{case}")
    }

    /// `key`, wrapped by the master key for `case`.
    pub(crate) fn wrap_case_key(&self, case: &str, key: &DataKey) -> Result<Vec<u8>, KeyError> {
        wrap_case_key(self.master.as_ref(), case, key)
    }

    /// The data key of `case`, from its wrapped form.
    pub(crate) fn unwrap_case_key(&self, case: &str, wrapped: &[u8]) -> Result<DataKey, KeyError> {
        unwrap_case_key(self.master.as_ref(), case, wrapped)
    }

    /// A keyed blind index of `value` as `kind` (`name`, `nhs`, `dob`…):
    /// equal values give equal indexes, and without the index key nothing
    /// can be learnt of the value. Hex of the first 16 bytes of
    /// HMAC-SHA-256.
    pub(crate) fn blind(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index.0[..])
            .expect("HMAC takes a key of any length");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// `text` sealed by the master key for `context`, as text to keep in a
    /// text column: `sealed:` and the sealed bytes in base64.
    pub(crate) fn seal_text(&self, context: &str, text: &str) -> Result<String, KeyError> {
        seal_text(self.master.as_ref(), context, text)
    }

    /// Opens what [`Keys::seal_text`] sealed for `context`.
    pub(crate) fn open_text(&self, context: &str, stored: &str) -> Result<String, KeyError> {
        open_text(self.master.as_ref(), context, stored)
    }
}

/// `text` sealed by `master` for `context`, as text; see [`Keys::seal_text`].
pub(crate) fn seal_text(
    master: &dyn MasterKey,
    context: &str,
    text: &str,
) -> Result<String, KeyError> {
    use base64::Engine as _;
    let sealed = master.wrap(context, text.as_bytes())?;
    Ok(format!(
        "{SEALED_TEXT}{}",
        base64::engine::general_purpose::STANDARD.encode(sealed)
    ))
}

/// Opens what [`seal_text`] sealed for `context` with `master`.
pub(crate) fn open_text(
    master: &dyn MasterKey,
    context: &str,
    stored: &str,
) -> Result<String, KeyError> {
    use base64::Engine as _;
    let unopened = || KeyError::Unopened {
        what: context.replace('\0', " "),
    };
    let sealed = stored
        .strip_prefix(SEALED_TEXT)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .ok_or_else(unopened)?;
    let plain = master.unwrap(context, &sealed).map_err(|_| unopened())?;
    String::from_utf8(plain.to_vec()).map_err(|_| unopened())
}

/// The key ring's key `name`, `key`, wrapped by `master`.
pub(crate) fn wrap_ring(
    master: &dyn MasterKey,
    name: &str,
    key: &DataKey,
) -> Result<Vec<u8>, KeyError> {
    master.wrap(name, &key.0[..])
}

/// A column of secrets sealed by the master key, each for its row's
/// context: what a carry-over seals and a rotation seals again.
pub(crate) struct MasterSealed {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
    pub context: fn(&str) -> String,
}

/// Every column of secrets sealed by the master key. A new one joins this
/// list, or rotating the master key leaves it unreadable.
pub(crate) const MASTER_SEALED: &[MasterSealed] = &[
    MasterSealed {
        table: "second_factors",
        key: "person_id",
        column: "secret",
        context: crate::second_factor::secret_context,
    },
    MasterSealed {
        table: "identity_providers",
        key: "id",
        column: "client_secret",
        context: crate::identity_providers::secret_context,
    },
    MasterSealed {
        table: "raise_drafts",
        key: "person_id",
        column: "answers",
        context: crate::drafts::draft_context,
    },
    MasterSealed {
        table: "legal_holds",
        key: "case_id",
        column: "reason",
        context: crate::retention::hold_context,
    },
    MasterSealed {
        table: "webhook_endpoints",
        key: "id",
        column: "secret",
        context: crate::webhooks::secret_context,
    },
];

/// What a secret kept as text starts with once sealed by the master key.
const SEALED_TEXT: &str = "sealed:";

/// Whether `stored` is text [`Keys::seal_text`] sealed.
pub(crate) fn is_sealed_text(stored: &str) -> bool {
    stored.starts_with(SEALED_TEXT)
}

/// `key`, wrapped by `master` for `case`.
pub(crate) fn wrap_case_key(
    master: &dyn MasterKey,
    case: &str,
    key: &DataKey,
) -> Result<Vec<u8>, KeyError> {
    master.wrap(&Keys::case_context(case), &key.0[..])
}

/// The data key of `case`, unwrapped by `master`.
pub(crate) fn unwrap_case_key(
    master: &dyn MasterKey,
    case: &str,
    wrapped: &[u8],
) -> Result<DataKey, KeyError> {
    let what = format!("the data key of case {case}");
    let secret = master
        .unwrap(&Keys::case_context(case), wrapped)
        .map_err(|_| KeyError::Unopened { what: what.clone() })?;
    DataKey::from_secret(&secret, &what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_context() {
        let key = DataKey::generate();
        let sealed = key.seal(b"HAV-2025-0001:1", b"Ava Smith");
        assert_eq!(
            key.open(b"HAV-2025-0001:1", &sealed).unwrap().as_slice(),
            b"Ava Smith"
        );
        assert!(key.open(b"HAV-2025-0001:2", &sealed).is_none());
        assert!(
            DataKey::generate()
                .open(b"HAV-2025-0001:1", &sealed)
                .is_none()
        );
        for i in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 1;
            assert!(key.open(b"HAV-2025-0001:1", &altered).is_none(), "byte {i}");
        }
        // Two seals of one value differ: the nonce is random.
        assert_ne!(sealed, key.seal(b"HAV-2025-0001:1", b"Ava Smith"));
    }

    #[test]
    fn a_wrapped_case_key_does_not_open_for_another_case() {
        let master = LocalMasterKey::generate();
        let key = DataKey::generate();
        let wrapped = wrap_case_key(&master, "HAV-2025-0001", &key).unwrap();
        assert!(unwrap_case_key(&master, "HAV-2025-0001", &wrapped).is_ok());
        let moved = unwrap_case_key(&master, "HAV-2025-0002", &wrapped).unwrap_err();
        assert!(moved.to_string().contains("HAV-2025-0002"), "{moved}");
        assert!(unwrap_case_key(&LocalMasterKey::generate(), "HAV-2025-0001", &wrapped).is_err());
    }

    #[test]
    fn a_key_file_is_written_for_its_owner_alone_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (made, located) = LocalMasterKey::locate(None, dir.path()).unwrap();
        assert_eq!(located, Located::Made(dir.path().join(MASTER_KEY_FILE)));
        let (again, located) = LocalMasterKey::locate(None, dir.path()).unwrap();
        assert_eq!(
            located,
            Located::InDataFolder(dir.path().join(MASTER_KEY_FILE))
        );
        assert_eq!(made.id(), again.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(MASTER_KEY_FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = LocalMasterKey::read(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "not a key").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let err = LocalMasterKey::read(&bad).unwrap_err().to_string();
        assert!(err.contains("64 hexadecimal characters"), "{err}");
        let missing = LocalMasterKey::read(&dir.path().join("gone.key")).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("could not read the master key file")
        );
    }

    #[test]
    fn blind_indexes_are_equal_for_equal_values_and_keyed() {
        let master: Arc<dyn MasterKey> = Arc::new(LocalMasterKey::generate());
        let keys = Keys::new(master.clone(), DataKey::generate(), DataKey::generate());
        let other = Keys::new(master, DataKey::generate(), DataKey::generate());
        assert_eq!(keys.blind("name", "ava"), keys.blind("name", "ava"));
        assert_ne!(keys.blind("name", "ava"), keys.blind("local", "ava"));
        assert_ne!(keys.blind("name", "ava"), other.blind("name", "ava"));
        assert_eq!(keys.blind("name", "ava").len(), 32);
    }
}
