//! Session tickets and the session state they carry (RFC 8446 §4.6.1): the first byte
//! selects a state decoded directly (what a client store or a fleet's shared store
//! hands back) or a ticket redeemed by a key ring of fixed keys (its seed tickets
//! open, anything else must be refused without a panic). A state that decodes
//! re-encodes to the same bytes.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use qssl_handshake::fuzzing::{fuzz_session_ticket, fuzz_ticket_ring};
use qssl_handshake::session::TicketKeyRing;

static RING: LazyLock<TicketKeyRing> = LazyLock::new(fuzz_ticket_ring);

fuzz_target!(|data: &[u8]| {
    fuzz_session_ticket(&RING, data);
});
