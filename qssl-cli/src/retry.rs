//! `qssl client --retries N --retry-delay MS`: the connection and its handshake are
//! retried under [`qssl::reconnect`]'s policy (capped exponential backoff from MS,
//! doubling, full jitter) and its table of what retries, with one line on stderr per
//! attempt.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use qssl::reconnect::{Backoff, Failure, GaveUp, OsJitter, ReconnectPolicy, classify};

use crate::error::CliError;

/// The longest wait between two attempts, whatever `--retry-delay` and the count.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// The policy for `--retries` and `--retry-delay`.
pub(crate) fn policy(retries: u32, delay_ms: u64) -> ReconnectPolicy {
    ReconnectPolicy {
        max_retries: retries,
        initial_delay: Duration::from_millis(delay_ms),
        backoff_factor: 2.0,
        max_delay: MAX_DELAY.max(Duration::from_millis(delay_ms)),
        full_jitter: true,
        deadline: None,
        attempt_timeout: None,
    }
}

/// The I/O error inside a failure, for the retry table; `None` for a failure that
/// no attempt can change (a configuration or usage error).
fn io_cause(e: &CliError) -> Option<&io::Error> {
    match e {
        CliError::Net { source, .. } | CliError::Tls { source, .. } => Some(source),
        _ => None,
    }
}

fn describe(gave_up: GaveUp) -> &'static str {
    match gave_up {
        GaveUp::NotRetryable(_) => "not retried",
        GaveUp::MaxRetries => "retries exhausted",
        GaveUp::Deadline => "deadline reached",
    }
}

/// Runs `attempt` until it succeeds or `policy` gives up. With retries allowed, each
/// attempt prints one line on `log`: `attempt I/N: connected`, or the error and
/// either the delay before the next attempt or why there is none.
pub(crate) fn run<T>(
    policy: &ReconnectPolicy,
    log: &mut dyn Write,
    mut attempt: impl FnMut() -> Result<T, CliError>,
) -> Result<T, CliError> {
    let verbose = policy.max_retries > 0;
    let total = policy.max_retries.saturating_add(1);
    let mut backoff = Backoff::new(policy, Instant::now());
    loop {
        let number = backoff.attempts() + 1;
        match attempt() {
            Ok(v) => {
                if verbose {
                    let _ = writeln!(log, "attempt {number}/{total}: connected");
                }
                return Ok(v);
            }
            Err(e) => {
                let failure = io_cause(&e).map_or(Failure::Config, classify);
                match backoff.failed(failure, Instant::now(), &OsJitter) {
                    Ok(delay) => {
                        if verbose {
                            let _ = writeln!(
                                log,
                                "attempt {number}/{total}: {e}; retrying in {} ms",
                                delay.as_millis()
                            );
                        }
                        std::thread::sleep(delay);
                    }
                    Err(gave_up) => {
                        if verbose {
                            let _ = writeln!(
                                log,
                                "attempt {number}/{total}: {e}; giving up ({})",
                                describe(gave_up)
                            );
                        }
                        return Err(e);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> CliError {
        CliError::Net {
            action: "connect to",
            addr: "127.0.0.1:1".into(),
            source: io::ErrorKind::ConnectionRefused.into(),
        }
    }

    #[test]
    fn one_line_per_attempt_and_the_table_decides() {
        let mut log = Vec::new();
        let mut n = 0;
        let r: Result<(), _> = run(&policy(2, 1), &mut log, || {
            n += 1;
            Err(refused())
        });
        assert!(r.is_err());
        assert_eq!(n, 3);
        let log = String::from_utf8(log).unwrap();
        let lines: Vec<_> = log.lines().collect();
        assert_eq!(lines.len(), 3, "{log}");
        assert!(lines[0].starts_with("attempt 1/3: cannot connect to 127.0.0.1:1"));
        assert!(lines[0].contains("; retrying in "));
        assert!(lines[2].ends_with("giving up (retries exhausted)"));

        // A certificate the client does not trust: one attempt.
        let mut log = Vec::new();
        let mut n = 0;
        let r: Result<(), _> = run(&policy(5, 1), &mut log, || {
            n += 1;
            Err(CliError::Tls {
                peer: "x".into(),
                source: qssl::Error::AlertReceived(qssl::AlertDescription::UNKNOWN_CA).into(),
            })
        });
        assert!(r.is_err());
        assert_eq!(n, 1);
        assert!(
            String::from_utf8(log)
                .unwrap()
                .ends_with("giving up (not retried)\n")
        );

        // No retries: silent.
        let mut log = Vec::new();
        let _ = run(&policy(0, 1), &mut log, || -> Result<(), _> {
            Err(refused())
        });
        assert!(log.is_empty());
    }
}
