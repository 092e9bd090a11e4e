//! Where the database is: a URL given with `--database-url` or
//! `ACCORD_DATABASE_URL`, or else `accord.sqlite` in the data folder.

use std::path::{Path, PathBuf};

use crate::OpenError;

/// A database to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file by path (the default, in the data folder).
    SqliteFile(PathBuf),
    /// A `sqlite:` URL, which may carry options such as `?mode=ro`.
    SqliteUrl(String),
    /// A `postgres://` or `postgresql://` URL.
    PostgresUrl(String),
}

impl DatabaseLocation {
    /// The file name of the default database in the data folder.
    pub const DEFAULT_FILE: &'static str = "accord.sqlite";

    /// Reads a database URL.
    pub fn parse(url: &str) -> Result<DatabaseLocation, OpenError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(DatabaseLocation::SqliteUrl(url.to_owned())),
            "postgres" | "postgresql" => Ok(DatabaseLocation::PostgresUrl(url.to_owned())),
            _ => Err(OpenError::UnsupportedUrl {
                scheme: if scheme.is_empty() {
                    "(no scheme)".to_owned()
                } else {
                    format!("{scheme}:")
                },
            }),
        }
    }

    /// The URL if one was given; otherwise `accord.sqlite` in `data_dir`
    /// (or [`default_data_dir`]), creating the folder if need be.
    pub fn resolve(
        url: Option<&str>,
        data_dir: Option<&Path>,
    ) -> Result<DatabaseLocation, OpenError> {
        if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
            return DatabaseLocation::parse(url.trim());
        }
        let dir = data_dir.map_or_else(default_data_dir, Path::to_owned);
        std::fs::create_dir_all(&dir).map_err(|source| OpenError::DataDir {
            path: dir.clone(),
            source,
        })?;
        Ok(DatabaseLocation::SqliteFile(dir.join(Self::DEFAULT_FILE)))
    }
}

/// The per-user data folder: `$XDG_DATA_HOME/accord`, else
/// `$HOME/.local/share/accord`, else `./accord-data`.
pub fn default_data_dir() -> PathBuf {
    let non_empty = |key: &str| {
        std::env::var_os(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        xdg.join("accord")
    } else if let Some(home) = non_empty("HOME") {
        home.join(".local/share/accord")
    } else {
        PathBuf::from("accord-data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_never_echo_a_password() {
        assert!(matches!(
            DatabaseLocation::parse("sqlite:///tmp/a.sqlite"),
            Ok(DatabaseLocation::SqliteUrl(_))
        ));
        assert!(matches!(
            DatabaseLocation::parse("postgresql://u:p@h/db"),
            Ok(DatabaseLocation::PostgresUrl(_))
        ));
        let err = DatabaseLocation::parse("mysql://root:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql:") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn without_a_url_the_file_is_in_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nested/data");
        let location = DatabaseLocation::resolve(None, Some(&data)).unwrap();
        assert_eq!(
            location,
            DatabaseLocation::SqliteFile(data.join("accord.sqlite"))
        );
        assert!(data.is_dir());
    }
}
