//! The one handshake state machine of both sides: the current state of the client or
//! the server, the rules that do not depend on the side (a message's type is checked
//! before its body is parsed; one change_cipher_spec, only after the first
//! ClientHello), and the post-handshake calls of the established connection.
//!
//! It holds no error: the first fatal error is kept by the connection that drives
//! it. A machine that returned an error is spent and
//! refuses every later call with [`Error::Misuse`].

use std::sync::Arc;

use crate::action::Action;
use crate::client::ClientState;
use crate::codec::tls12::Tls12Message;
use crate::common::Traffic;
use crate::config::{ClientParams, ServerParams};
use crate::error::{Error, PeerMisbehaved};
use crate::server::ServerState;
use crate::verify::{ServerName, UnixTime};
use crate::{HandshakeMessage, HandshakeType, RawHandshake};

/// What each side's state enum provides to [`StateMachine`].
pub(crate) trait SideState: Sized {
    /// RFC 8446 §6: a message of the wrong type for the state is
    /// unexpected_message whatever its body, so this runs before parsing.
    fn check_type(&self, typ: HandshakeType) -> Result<(), Error>;
    /// Consumes the state with one parsed message and its exact bytes.
    fn step(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error>;
    /// Consumes a TLS 1.2 state with one parsed TLS 1.2 message and its exact bytes.
    /// Called instead of [`step`](Self::step) once [`is_tls12`](Self::is_tls12).
    fn step_tls12(
        self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error>;
    /// Whether TLS 1.2 was negotiated: messages parse as TLS 1.2 and a
    /// change_cipher_spec switches the read key (RFC 5246 §7.1).
    fn is_tls12(&self) -> bool;
    /// TLS 1.2: the peer's change_cipher_spec, which only the state waiting for it
    /// takes (it installs the pending read key); anywhere else it is
    /// [`PeerMisbehaved::UnexpectedChangeCipherSpec`].
    fn change_cipher_spec_tls12(self, out: &mut Vec<Action>) -> Result<Self, Error>;
    /// Runs the rest of a flight that stopped for a signature.
    fn resume_signature(self, signature: Vec<u8>, out: &mut Vec<Action>) -> Result<Self, Error>;
    /// Whether the state waits for a signature.
    fn awaits_signature(&self) -> bool;
    /// The post-handshake state, once the handshake is complete.
    fn traffic_mut(&mut self) -> Option<&mut Traffic>;
    /// Whether the handshake is complete.
    fn is_traffic(&self) -> bool;
    /// A change_cipher_spec arrived before any ClientHello on this connection.
    /// Only a server doing stateless retry can take it: the client's first hello
    /// was answered by an earlier instance, whose HelloRetryRequest this CCS
    /// follows; it returns `true` and then requires the retry cookie on the next
    /// ClientHello. Everyone else refuses it (RFC 8446 §5).
    fn change_cipher_spec_before_hello(&mut self) -> bool {
        false
    }
    /// `len` bytes of application data arrived during the handshake: `Ok(true)` if
    /// they are accepted 0-RTT data (and within its budget), `Ok(false)` if no early
    /// data is expected now.
    fn early_data(&mut self, _len: usize) -> Result<bool, Error> {
        Ok(false)
    }
}

/// Returned by every call on a machine that has already returned an error.
const SPENT: Error = Error::Misuse("the handshake state machine failed earlier");

// The client's state is the larger by a few hundred bytes (a TLS 1.2 handshake
// carries its whole context in one value); it moves once per message, which costs
// less than the allocation boxing it would add.
#[allow(clippy::large_enum_variant)]
enum State {
    Client(ClientState),
    Server(ServerState),
    /// The machine returned an error; the connection keeps which.
    Spent,
}

/// Consumes one message with `state`'s side, after its type check.
fn step<S: SideState>(
    state: S,
    msg: &RawHandshake,
    now: UnixTime,
    out: &mut Vec<Action>,
) -> Result<S, Error> {
    state.check_type(msg.typ())?;
    if state.is_tls12() {
        let parsed = Tls12Message::parse(msg.bytes())?;
        return state.step_tls12(parsed, msg.bytes(), now, out);
    }
    let parsed = msg.parse()?;
    state.step(parsed, msg.bytes(), now, out)
}

/// A change_cipher_spec to a TLS 1.2 state.
fn change_cipher_spec<S: SideState>(state: S, out: &mut Vec<Action>) -> Result<S, Error> {
    state.change_cipher_spec_tls12(out)
}

/// The sans-I/O TLS 1.3 (or, when enabled, TLS 1.2) handshake of one side, message by message: whole handshake
/// messages in (from a [`HandshakeJoiner`](crate::HandshakeJoiner)), [`Action`]s out.
/// After the handshake it handles the post-handshake messages (KeyUpdate,
/// NewSessionTicket) and sends KeyUpdates.
///
/// A [`Connection`](crate::Connection) drives it between its record layer and its
/// output; tests drive it directly to check one rule without records.
///
/// ```
/// # use std::sync::Arc;
/// # fn demo(params: Arc<qssl_handshake::ClientParams>) -> Result<(), qssl_handshake::Error> {
/// use qssl_handshake::{Action, StateMachine, verify::{ServerName, UnixTime}};
///
/// let mut actions = Vec::new();
/// let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_750_000_000));
/// let client = StateMachine::client(params, ServerName::try_from("example.com").unwrap(), now, &mut actions)?;
/// assert!(matches!(actions[0], Action::SendHandshake { .. })); // the ClientHello
/// assert!(client.is_handshaking());
/// # Ok(()) }
/// ```
pub struct StateMachine {
    state: State,
    is_client: bool,
    ccs_seen: bool,
    /// Whether the first ClientHello has been sent or received: RFC 8446 §5 allows a
    /// change_cipher_spec only after it. A client sends its hello when it starts.
    hello_done: bool,
}

impl core::fmt::Debug for StateMachine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StateMachine")
            .field("client", &self.is_client)
            .field("handshaking", &self.is_handshaking())
            .field("spent", &matches!(self.state, State::Spent))
            .finish_non_exhaustive()
    }
}

impl StateMachine {
    /// A client: sends the ClientHello (into `out`) and waits for the ServerHello.
    /// `now` dates the ticket the ClientHello offers, if the session store has one.
    pub fn client(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        let state = ClientState::start(params, server_name, now, out)?;
        Ok(Self::new(State::Client(state), true))
    }

    /// Test-only: see [`crate::testing::client_from_hello`].
    pub(crate) fn client_from_hello(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        hello: &[u8],
        kx: Box<dyn qssl_crypto::kx::ActiveKeyExchange>,
    ) -> Result<Self, Error> {
        let state = ClientState::from_hello(params, server_name, hello, kx)?;
        Ok(Self::new(State::Client(state), true))
    }

    /// A server waiting for the ClientHello.
    pub fn server(params: Arc<ServerParams>) -> Self {
        Self::new(State::Server(ServerState::new(params)), false)
    }

    fn new(state: State, is_client: bool) -> Self {
        Self {
            state,
            is_client,
            ccs_seen: false,
            // A client has sent its hello by the time it exists.
            hello_done: is_client,
        }
    }

    /// Whether this is the client side.
    pub fn is_client(&self) -> bool {
        self.is_client
    }

    /// Handles one whole handshake message from the peer; instructions go to `out`.
    /// An error spends the machine.
    pub fn handle(
        &mut self,
        msg: &RawHandshake,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let next = match core::mem::replace(&mut self.state, State::Spent) {
            State::Client(s) => step(s, msg, now, out).map(State::Client),
            State::Server(s) => step(s, msg, now, out).map(State::Server),
            State::Spent => Err(SPENT),
        };
        // On error the state stays `Spent`.
        self.state = next?;
        // Only a server receives messages before any hello; its first one accepted
        // is the ClientHello.
        self.hello_done = true;
        Ok(())
    }

    /// `len` bytes of application data arrived during the handshake: `Ok(true)` if
    /// they are accepted 0-RTT data within max_early_data_size (the connection
    /// delivers them), `Ok(false)` if no early data is expected now (the record is
    /// unexpected), an error past the budget.
    pub fn early_data_received(&mut self, len: usize) -> Result<bool, Error> {
        let r = match &mut self.state {
            State::Client(_) => Ok(false),
            State::Server(s) => s.early_data(len),
            State::Spent => Err(SPENT),
        };
        if r.is_err() {
            self.state = State::Spent;
        }
        r
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`). TLS 1.3: allowed
    /// once, during the handshake, after the first ClientHello, and ignored (RFC 8446
    /// §5: "at any time after the first ClientHello message has been sent or received
    /// and before the peer's Finished message has been received"). TLS 1.2: exactly
    /// once, just before the peer's Finished, where it switches the read key (into
    /// `out`); anywhere else it is unexpected_message.
    pub fn handle_change_cipher_spec(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        if self.is_tls12() {
            let next = match core::mem::replace(&mut self.state, State::Spent) {
                State::Client(s) => change_cipher_spec(s, out).map(State::Client),
                State::Server(s) => change_cipher_spec(s, out).map(State::Server),
                State::Spent => Err(SPENT),
            };
            self.state = next?;
            return Ok(());
        }
        let before_hello_ok = match &mut self.state {
            State::Client(s) => s.change_cipher_spec_before_hello(),
            State::Server(s) => s.change_cipher_spec_before_hello(),
            State::Spent => return Err(SPENT),
        };
        if self.ccs_seen || !self.is_handshaking() || (!self.hello_done && !before_hello_ok) {
            self.state = State::Spent;
            return Err(PeerMisbehaved::UnexpectedChangeCipherSpec.into());
        }
        self.ccs_seen = true;
        Ok(())
    }

    fn traffic_mut(&mut self) -> Result<Option<&mut Traffic>, Error> {
        match &mut self.state {
            State::Client(s) => Ok(s.traffic_mut()),
            State::Server(s) => Ok(s.traffic_mut()),
            State::Spent => Err(SPENT),
        }
    }

    /// Sends a KeyUpdate (asking the peer to update too if `request_peer`) and
    /// switches the write key. Only once the handshake is complete.
    pub fn update_keys(&mut self, request_peer: bool, out: &mut Vec<Action>) -> Result<(), Error> {
        if self.is_tls12() {
            return Err(Error::Misuse("TLS 1.2 has no KeyUpdate"));
        }
        match self.traffic_mut()? {
            Some(t) => t.send_key_update(request_peer, out),
            None => Err(Error::Misuse("KeyUpdate before the handshake is complete")),
        }
    }

    /// Sends the KeyUpdate owed for the peer's update_requested, if one is owed.
    /// The connection calls this before each application data record it writes:
    /// RFC 8446 §4.6.3 wants the answer before our next application data, and several
    /// requests meanwhile get one answer. Nothing to do during the handshake.
    pub fn answer_key_update(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        match self.traffic_mut()? {
            Some(t) => t.answer_key_update(out),
            None => Ok(()),
        }
    }

    /// The connection received a non-empty application data record: the peer's
    /// budget of [`MAX_KEY_UPDATES_IN_A_ROW`](crate::MAX_KEY_UPDATES_IN_A_ROW)
    /// KeyUpdates starts again.
    pub fn application_data_received(&mut self) {
        if let Ok(Some(t)) = self.traffic_mut() {
            t.application_data_received();
        }
    }

    /// Gives the signature a [`SignRequest`](crate::SignRequest) asked for (or the
    /// key's failure, which ends the handshake with internal_error) and runs the rest
    /// of the flight into `out`.
    pub fn complete_signature(
        &mut self,
        result: Result<Vec<u8>, qssl_crypto::error::CryptoError>,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let next = match (core::mem::replace(&mut self.state, State::Spent), result) {
            (State::Spent, _) => Err(SPENT),
            (_, Err(e)) => Err(Error::Crypto(e)),
            (State::Client(s), Ok(sig)) => s.resume_signature(sig, out).map(State::Client),
            (State::Server(s), Ok(sig)) => s.resume_signature(sig, out).map(State::Server),
        };
        self.state = next?;
        Ok(())
    }

    /// Whether the machine waits for a signature ([`complete_signature`](Self::complete_signature)).
    pub fn awaits_signature(&self) -> bool {
        match &self.state {
            State::Client(s) => s.awaits_signature(),
            State::Server(s) => s.awaits_signature(),
            State::Spent => false,
        }
    }

    /// Whether TLS 1.2 was negotiated (known once the hellos are exchanged).
    pub fn is_tls12(&self) -> bool {
        match &self.state {
            State::Client(s) => s.is_tls12(),
            State::Server(s) => s.is_tls12(),
            State::Spent => false,
        }
    }

    /// Whether the handshake is still in progress (or failed before completing).
    pub fn is_handshaking(&self) -> bool {
        match &self.state {
            State::Client(s) => !s.is_traffic(),
            State::Server(s) => !s.is_traffic(),
            State::Spent => true,
        }
    }
}
