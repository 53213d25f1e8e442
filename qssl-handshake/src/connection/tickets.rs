//! The session tickets a client keeps for its application, bounded in number and in
//! bytes: a server may send any number of NewSessionTickets.

use crate::NewSessionTicket;

/// Session tickets kept for the application (the newest ones; older ones are dropped).
pub const MAX_KEPT_TICKETS: usize = 8;
/// Encoded bytes of the session tickets kept; the oldest are dropped past it.
pub const MAX_KEPT_TICKET_BYTES: usize = 128 * 1024;

/// The newest NewSessionTickets, bounded by [`MAX_KEPT_TICKETS`] and
/// [`MAX_KEPT_TICKET_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct ReceivedTickets {
    tickets: Vec<NewSessionTicket>,
    /// Encoded size of each ticket in `tickets`, in the same order.
    sizes: Vec<usize>,
    bytes: usize,
}

impl ReceivedTickets {
    pub(crate) fn push(&mut self, t: NewSessionTicket) {
        let mut encoded = Vec::new();
        // A ticket parsed off the wire always re-encodes (its lengths were checked
        // on the way in); one that did not could not be kept or used, so it is not.
        if t.encode(&mut encoded).is_err() {
            return;
        }
        let size = encoded.len();
        self.tickets.push(t);
        self.sizes.push(size);
        self.bytes += size;
        // At most MAX_KEPT_TICKETS + 1 entries: removing from the front is cheap.
        while self.tickets.len() > MAX_KEPT_TICKETS || self.bytes > MAX_KEPT_TICKET_BYTES {
            self.tickets.remove(0);
            self.bytes -= self.sizes.remove(0);
        }
    }

    pub(crate) fn as_slice(&self) -> &[NewSessionTicket] {
        &self.tickets
    }

    pub(crate) fn take(&mut self) -> Vec<NewSessionTicket> {
        self.sizes.clear();
        self.bytes = 0;
        core::mem::take(&mut self.tickets)
    }
}
