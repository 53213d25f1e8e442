//! Support for the Q-SSL fuzz targets (`fuzz_targets/`): the fixed connection
//! configurations and their deterministic randomness ([`fixtures`]), and the
//! helpers that feed a connection a byte stream ([`drive`]).

#![forbid(unsafe_code)]

pub mod drive;
pub mod fixtures;

use std::path::Path;
use std::sync::LazyLock;

/// The fixture PKI of this checkout, read once per process.
pub static FIXTURES: LazyLock<fixtures::Fixtures> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    fixtures::Fixtures::load(&dir)
        .unwrap_or_else(|e| panic!("fuzz fixtures in {}: {e}", dir.display()))
});
