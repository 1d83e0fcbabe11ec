use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot encode the input: {0}")]
    Encode(String),
    #[error("cannot decode the journal: {0}")]
    Decode(String),
    #[error("not a guest program: {0}")]
    Elf(String),
    #[error("the guest panicked: {0}")]
    GuestPanicked(String),
    #[error("the guest failed: {0}")]
    Execution(String),
    #[error("proving failed: {0}")]
    Prove(String),
    #[error("the receipt is invalid: {0}")]
    InvalidReceipt(String),
    #[error("the Local Bento daemon: {0}")]
    Daemon(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
