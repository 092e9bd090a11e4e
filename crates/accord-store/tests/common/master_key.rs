//! One master key file for every store and `accord` command a test process
//! opens, so that a database written by one is read by the other: the
//! command line is given it as `ACCORD_MASTER_KEY_FILE`, and the tests
//! open their stores with [`master_key`].
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use accord_store::{LocalMasterKey, MasterKey};

/// The file, made on first use in a folder removed when the process ends.
pub fn master_key_file() -> &'static Path {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &FILE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("master.key");
            LocalMasterKey::create(&path).expect("a new master key file");
            (dir, path)
        })
        .1
}

/// The key in [`master_key_file`].
pub fn master_key() -> Arc<dyn MasterKey> {
    Arc::new(LocalMasterKey::read(master_key_file()).expect("the test master key reads"))
}
