//! A handshake byte stream pushed into the joiner in fragments of the size the first
//! byte picks: what comes out is the stream's prefix, in order.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qssl_handshake::fuzzing::fuzz_joiner(data));
