//! A Q-SSL client (fixed configuration, deterministic randomness) fed an arbitrary
//! server byte stream through the facade's public API.

#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use qssl::ClientConfig;
use qssl_fuzz::{FIXTURES, drive, fixtures};

static CONFIG: LazyLock<Arc<ClientConfig>> =
    LazyLock::new(|| fixtures::client_config(&FIXTURES, None));

fuzz_target!(|data: &[u8]| {
    let mut conn = fixtures::new_client(&CONFIG);
    drive::feed(&mut conn, data);
});
