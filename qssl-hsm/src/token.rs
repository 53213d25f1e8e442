//! Loading a PKCS#11 module, finding a token, logging in, and the pool of sessions
//! that signatures run on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::MechanismType;
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;

use crate::error::{HsmError, classify};
use crate::pin::Pin;

/// A loaded and initialised PKCS#11 module (the shared library of a token vendor,
/// e.g. `/usr/lib/softhsm/libsofthsm2.so`).
///
/// Cheap to clone: clones share the library. A module is initialised once per process
/// (`C_Initialize`); loading the same library again reuses that initialisation.
#[derive(Clone, Debug)]
pub struct Module {
    ctx: Pkcs11,
    path: PathBuf,
}

impl Module {
    /// Loads the library at `path` and initialises it for use from several threads
    /// (the library's own OS locking).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, HsmError> {
        let path = path.as_ref().to_path_buf();
        let load_error = |reason: String| HsmError::ModuleLoad {
            path: path.clone(),
            reason,
        };
        let ctx = Pkcs11::new(&path).map_err(|e| load_error(e.to_string()))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            // Another part of this process initialised the same library: it is shared.
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(load_error(format!("C_Initialize: {e}"))),
        }
        Ok(Self { ctx, path })
    }

    /// The library path this module was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cryptoki context, for provisioning (generating keys, importing
    /// certificates) outside this crate.
    pub fn context(&self) -> &Pkcs11 {
        &self.ctx
    }

    /// The slot holding the token `selector` names.
    pub fn find_slot(&self, selector: &TokenSelector) -> Result<(Slot, String), HsmError> {
        let slots = self
            .ctx
            .get_slots_with_initialized_token()
            .map_err(|e| classify(e, ""))?;
        let mut present = Vec::new();
        for slot in slots {
            let info = self.ctx.get_token_info(slot).map_err(|e| classify(e, ""))?;
            let label = info.label().trim_end().to_owned();
            let hit = match selector {
                TokenSelector::Label(want) => *want == label,
                TokenSelector::SlotId(id) => slot.id() == *id,
            };
            if hit {
                return Ok((slot, label));
            }
            present.push(format!("{label:?} (slot {})", slot.id()));
        }
        Err(HsmError::TokenNotFound {
            wanted: match selector {
                TokenSelector::Label(l) => format!("labelled {l:?}"),
                TokenSelector::SlotId(id) => format!("in slot {id}"),
            },
            present: if present.is_empty() {
                "none".into()
            } else {
                present.join(", ")
            },
        })
    }

    /// Finds the token, logs in as its user with `pin` and opens the first session of
    /// a pool bounded by `options`. A wrong or locked PIN is reported here, at
    /// configuration time.
    pub fn open_token(
        &self,
        selector: &TokenSelector,
        pin: Pin,
        options: PoolOptions,
    ) -> Result<Token, HsmError> {
        let (slot, label) = self.find_slot(selector)?;
        let mechanisms = self
            .ctx
            .get_mechanism_list(slot)
            .map_err(|e| classify(e, &label))?;
        let pool = Arc::new(SessionPool {
            ctx: self.ctx.clone(),
            slot,
            label: label.clone(),
            pin,
            options,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        });
        // Log in now, so that a bad PIN stops the configuration, not the first handshake.
        let first = pool.acquire()?;
        drop(first);
        Ok(Token {
            module: self.clone(),
            slot,
            label,
            mechanisms,
            pool,
        })
    }
}

/// Which token of a module to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSelector {
    /// The token whose label (`CKA_LABEL` of the token, `token=` in a URI) is this.
    Label(String),
    /// The token in this slot (`slot-id=` in a URI).
    SlotId(u64),
}

/// How many sessions a [`Token`] keeps and how long a signer waits for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// At most this many sessions are open at once (the number of signatures that
    /// run on the token in parallel).
    pub max_sessions: usize,
    /// How long a signer waits for a free session before failing with
    /// [`HsmError::PoolTimeout`].
    pub wait: Duration,
}

impl Default for PoolOptions {
    /// Eight sessions, ten seconds of waiting.
    fn default() -> Self {
        Self {
            max_sessions: 8,
            wait: Duration::from_secs(10),
        }
    }
}

/// A logged-in token and its session pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Token {
    module: Module,
    slot: Slot,
    label: String,
    mechanisms: Vec<MechanismType>,
    pool: Arc<SessionPool>,
}

impl Token {
    /// The token's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The slot the token is in.
    pub fn slot_id(&self) -> u64 {
        self.slot.id()
    }

    /// The slot, for opening sessions of one's own (provisioning keys).
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// The module the token belongs to.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Whether the token lists `mechanism` (`C_GetMechanismList` at open time).
    pub fn has_mechanism(&self, mechanism: MechanismType) -> bool {
        self.mechanisms.contains(&mechanism)
    }

    /// How many sessions the pool holds open right now (idle and in use).
    pub fn open_sessions(&self) -> usize {
        self.pool.lock().open
    }

    /// Runs `f` on a pooled, logged-in session. If the call fails in a way that
    /// breaks the session (closed, handle invalid, logged out, device error), that
    /// session and the idle ones (opened before the same event) are dropped and `f`
    /// is tried once more on a fresh session, which logs in again if the login was
    /// lost: a token that is still there recovers, one that is gone fails again.
    pub(crate) fn with_session<T>(
        &self,
        f: impl Fn(&Session) -> Result<T, CkError>,
    ) -> Result<T, HsmError> {
        let mut last = None;
        for _ in 0..2 {
            let mut session = self.pool.acquire()?;
            match f(session.session()) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let e = classify(e, &self.label);
                    if !e.breaks_session() {
                        return Err(e);
                    }
                    session.discard();
                    drop(session);
                    self.pool.drop_idle();
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| HsmError::Pkcs11("no attempt made".into())))
    }
}

#[derive(Debug)]
struct PoolState {
    idle: Vec<Session>,
    /// Sessions open, idle or lent out.
    open: usize,
}

#[derive(Debug)]
struct SessionPool {
    ctx: Pkcs11,
    slot: Slot,
    label: String,
    pin: Pin,
    options: PoolOptions,
    state: Mutex<PoolState>,
    freed: Condvar,
}

impl SessionPool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic while holding the lock leaves the counts consistent (no await
        // points inside), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes every idle session (they are reopened on demand).
    fn drop_idle(&self) {
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.open -= idle.len();
            idle
        };
        // Closed outside the lock: a dead token may take its time to answer.
        drop(idle);
        self.freed.notify_all();
    }

    /// An idle session, or a new one while fewer than `max_sessions` are open, or
    /// the first one freed within `options.wait`.
    fn acquire(&self) -> Result<Lent<'_>, HsmError> {
        let deadline = Instant::now() + self.options.wait;
        let mut state = self.lock();
        loop {
            if let Some(session) = state.idle.pop() {
                return Ok(Lent {
                    pool: self,
                    session: Some(session),
                    keep: true,
                });
            }
            if state.open < self.options.max_sessions.max(1) {
                state.open += 1;
                drop(state);
                return match self.open_session() {
                    Ok(session) => Ok(Lent {
                        pool: self,
                        session: Some(session),
                        keep: true,
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(HsmError::PoolTimeout(self.options.wait));
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// A new read-only session, logged in as the user. Login state is shared by all
    /// sessions of an application on a token, so only the first session (or the first
    /// after all were closed) actually logs in.
    fn open_session(&self) -> Result<Session, HsmError> {
        let session = self
            .ctx
            .open_ro_session(self.slot)
            .map_err(|e| classify(e, &self.label))?;
        let state = session
            .get_session_info()
            .map_err(|e| classify(e, &self.label))?
            .session_state();
        if matches!(state, SessionState::RoPublic | SessionState::RwPublic) {
            match session.login(UserType::User, Some(&self.pin.auth_pin())) {
                Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                Err(e) => return Err(classify(e, &self.label)),
            }
        }
        Ok(session)
    }
}

/// A session lent out of the pool; goes back (or is closed, if broken) on drop.
struct Lent<'a> {
    pool: &'a SessionPool,
    session: Option<Session>,
    keep: bool,
}

impl Lent<'_> {
    fn session(&self) -> &Session {
        // Present from construction until drop.
        self.session
            .as_ref()
            .expect("a lent session is present until dropped")
    }

    fn discard(&mut self) {
        self.keep = false;
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let session = self.session.take();
        let mut state = self.pool.lock();
        match session {
            Some(s) if self.keep => state.idle.push(s),
            other => {
                state.open -= 1;
                drop(state);
                // Closing a session of a vanished token fails; nothing more to do.
                drop(other);
            }
        }
        self.pool.freed.notify_one();
    }
}
