//! Where proving time goes, read off the tracing spans Plonky3 opens.
//!
//! The prover runs its phases in order: commit the traces (LDE and Merkle
//! tree), build and commit the LogUp traces, compute and commit the quotients,
//! then open everything (DEEP quotients and FRI). The first span of each phase
//! marks its start; the phases' lengths are the gaps between the marks.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

const LOGUP: &str = "generate lookup permutation";
const QUOTIENT: &str = "compute quotient";
const OPEN: &str = "compute_inverse_denominators";

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Phases {
    pub trace_commit_ms: f64,
    pub logup_ms: f64,
    pub quotient_ms: f64,
    pub fri_open_ms: f64,
}

impl Phases {
    pub fn add(&mut self, other: &Phases) {
        self.trace_commit_ms += other.trace_commit_ms;
        self.logup_ms += other.logup_ms;
        self.quotient_ms += other.quotient_ms;
        self.fri_open_ms += other.fri_open_ms;
    }
}

#[derive(Default)]
struct Marks {
    logup: Option<Instant>,
    quotient: Option<Instant>,
    open: Option<Instant>,
}

fn marks() -> &'static Mutex<Marks> {
    static MARKS: OnceLock<Mutex<Marks>> = OnceLock::new();
    MARKS.get_or_init(Mutex::default)
}

struct MarkLayer;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for MarkLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        if ![LOGUP, QUOTIENT, OPEN].contains(&name) {
            return;
        }
        let mut m = marks().lock().expect("marks lock");
        let mark = match name {
            LOGUP => &mut m.logup,
            QUOTIENT => &mut m.quotient,
            _ => &mut m.open,
        };
        mark.get_or_insert_with(Instant::now);
    }
}

/// Installs the span recorder as the global tracing subscriber (once per process).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry()
            .with(MarkLayer.with_filter(tracing_subscriber::filter::LevelFilter::DEBUG));
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// Runs `prove` and splits its wall time into phases ([`install`] must have run).
pub fn measure<T>(prove: impl FnOnce() -> T) -> (T, Phases, Duration) {
    *marks().lock().expect("marks lock") = Marks::default();
    let start = Instant::now();
    let out = prove();
    let end = Instant::now();
    let m = marks().lock().expect("marks lock");
    let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1e3;
    // A phase whose span never opened (no lookups, say) takes no time.
    let logup = m.logup.unwrap_or(start);
    let quotient = m.quotient.unwrap_or(logup);
    let open = m.open.unwrap_or(end);
    let phases = Phases {
        trace_commit_ms: ms(start, if m.logup.is_some() { logup } else { quotient }),
        logup_ms: if m.logup.is_some() {
            ms(logup, quotient)
        } else {
            0.0
        },
        quotient_ms: ms(quotient, open),
        fri_open_ms: ms(open, end),
    };
    (out, phases, end - start)
}
