//! Where a connection's time comes from. The core takes `now` as a parameter; the
//! facade asks its configuration's [`TimeProvider`] once per `process_new_packets`.

use qssl_handshake::verify::UnixTime;

/// The clock a configuration's connections judge certificate validity and OCSP
/// freshness by. [`SystemClock`] unless the builder was given another (a test's
/// virtual clock, or a clock known to be better than the system's).
pub trait TimeProvider: Send + Sync + core::fmt::Debug {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The system clock (`UnixTime::now()`): the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl TimeProvider for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}
