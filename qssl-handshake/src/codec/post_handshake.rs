//! NewSessionTicket and KeyUpdate (RFC 8446 §4.6).

use super::extensions::{
    Extension, ExtensionContext, ExtensionType, encode_extensions, find_extension,
    parse_extension_block,
};
use super::{Len, PResult, atomic, be_u8, be_u32, fail, opaque, put_opaque, put_u32};
use crate::error::{EncodeError, InvalidMessage};

/// ```text
/// struct {
///     uint32 ticket_lifetime;
///     uint32 ticket_age_add;
///     opaque ticket_nonce<0..255>;
///     opaque ticket<1..2^16-1>;
///     Extension extensions<0..2^16-2>;
/// } NewSessionTicket;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// Seconds the ticket may be used for (at most 604800: the state machine checks).
    pub lifetime: u32,
    /// Added to the ticket age to obfuscate it.
    pub age_add: u32,
    /// `ticket_nonce`, input to the resumption PSK derivation.
    pub nonce: Vec<u8>,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
    /// Extensions (early_data carries `max_early_data_size`).
    pub extensions: Vec<Extension>,
}

impl NewSessionTicket {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_new_session_ticket)
    }

    /// Appends the body; refused, appending nothing, if a vector is too long for its
    /// length prefix.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u32(out, self.lifetime);
            put_u32(out, self.age_add);
            put_opaque(out, Len::U8, &self.nonce)?;
            put_opaque(out, Len::U16, &self.ticket)?;
            encode_extensions(&self.extensions, out)
        })
    }

    /// The extension of type `typ`, if present.
    pub fn extension(&self, typ: ExtensionType) -> Option<&Extension> {
        find_extension(&self.extensions, typ)
    }
}

pub(crate) fn parse_new_session_ticket(i: &[u8]) -> PResult<'_, NewSessionTicket> {
    // uint32 ticket_lifetime;
    let (i, lifetime) = be_u32(i)?;
    // uint32 ticket_age_add;
    let (i, age_add) = be_u32(i)?;
    // opaque ticket_nonce<0..255>;
    let (i, nonce) = opaque(i, Len::U8, 0, 255)?;
    // opaque ticket<1..2^16-1>;
    let (i, ticket) = opaque(i, Len::U16, 1, 0xffff)?;
    // Extension extensions<0..2^16-2>;
    let (i, extensions) = parse_extension_block(i, ExtensionContext::NewSessionTicket)?;
    Ok((
        i,
        NewSessionTicket {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        },
    ))
}

/// `enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest;`
///
/// A closed enum: any other value is `illegal_parameter` (RFC 8446 §4.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyUpdateRequest {
    /// The peer need not update its sending keys.
    UpdateNotRequested = 0,
    /// The peer must answer with its own KeyUpdate.
    UpdateRequested = 1,
}

/// `struct { KeyUpdateRequest request_update; } KeyUpdate;`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyUpdate {
    /// Whether the receiver must update its own sending keys too.
    pub request_update: KeyUpdateRequest,
}

impl KeyUpdate {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_key_update)
    }

    /// Appends the body (one byte: it cannot fail).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.request_update as u8);
    }
}

pub(crate) fn parse_key_update(i: &[u8]) -> PResult<'_, KeyUpdate> {
    let (i, v) = be_u8(i)?;
    let request_update = match v {
        0 => KeyUpdateRequest::UpdateNotRequested,
        1 => KeyUpdateRequest::UpdateRequested,
        _ => return fail(InvalidMessage::InvalidKeyUpdateRequest),
    };
    Ok((i, KeyUpdate { request_update }))
}
