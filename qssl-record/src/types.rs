//! The record layer's wire types live in `qssl-wire`, shared with the handshake and
//! alert layers; re-exported here so `qssl_record::ContentType` keeps working.

pub use qssl_wire::{ContentType, ProtocolVersion};
