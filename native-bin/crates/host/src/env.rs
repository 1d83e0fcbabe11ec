//! What a guest runs with: its input and how it is cut into segments.

use serde::Serialize;

use crate::{codec, Error};

/// The guest's input and run options, built by [`ExecutorEnv::builder`].
#[derive(Clone, Debug)]
pub struct ExecutorEnv {
    pub(crate) input: Vec<u8>,
    pub(crate) po2: u32,
    pub(crate) cycle_limit: Option<u64>,
}

impl ExecutorEnv {
    pub fn builder() -> ExecutorEnvBuilder {
        ExecutorEnvBuilder(ExecutorEnv {
            input: Vec::new(),
            po2: bento_vm::segment::DEFAULT_PO2,
            cycle_limit: None,
        })
    }

    /// The input bytes, as the guest reads them.
    pub fn input(&self) -> &[u8] {
        &self.input
    }
}

pub struct ExecutorEnvBuilder(ExecutorEnv);

impl ExecutorEnvBuilder {
    /// Appends `value` (postcard), for the guest's `env::read::<T>()`.
    pub fn write<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        self.0.input.extend(codec::encode(value)?);
        Ok(self)
    }

    /// Appends raw bytes, for the guest's `env::read_slice` / `read_to_end`.
    pub fn write_slice(mut self, bytes: &[u8]) -> Self {
        self.0.input.extend_from_slice(bytes);
        self
    }

    /// Segments of at most 2^po2 cycles (14..=22; a short run is proved at the
    /// smallest size that holds it).
    pub fn segment_po2(mut self, po2: u32) -> Self {
        self.0.po2 = po2;
        self
    }

    /// Stops the guest with an error after this many cycles.
    pub fn cycle_limit(mut self, cycles: u64) -> Self {
        self.0.cycle_limit = Some(cycles);
        self
    }

    pub fn build(self) -> ExecutorEnv {
        self.0
    }
}
