//! A Q-SSL server (fixed configuration, deterministic randomness) fed an arbitrary
//! client byte stream through the facade's public API.

#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use qssl::ServerConfig;
use qssl_fuzz::{FIXTURES, drive, fixtures};

static CONFIG: LazyLock<Arc<ServerConfig>> =
    LazyLock::new(|| fixtures::server_config(&FIXTURES, None, None));

fuzz_target!(|data: &[u8]| {
    let mut conn = fixtures::new_server(&CONFIG);
    drive::feed(&mut conn, data);
});
