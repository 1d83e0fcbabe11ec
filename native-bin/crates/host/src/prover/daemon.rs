//! Proving on the local daemon (`bento serve`) through its API, found by the
//! `daemon.json` it writes into its data directory.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{image_id, ProveInfo, Prover, SessionInfo};
use crate::{Error, ExecutorEnv, Journal, Receipt};

/// How often a job's state is asked for while it runs.
const POLL: Duration = Duration::from_millis(250);

pub struct DaemonProver {
    base: String,
    token: String,
}

#[derive(Deserialize)]
struct DaemonFile {
    port: u16,
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    state: String,
    phase: String,
    error: Option<String>,
    cycles: Option<u64>,
    segments: u32,
    exit_code: Option<u32>,
}

/// The data directory, as the CLI resolves it.
fn home() -> Option<PathBuf> {
    match std::env::var_os("BENTO_HOME") {
        Some(home) => Some(PathBuf::from(home)),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local-bento")),
    }
}

fn http(e: ureq::Error) -> Error {
    Error::Daemon(e.to_string())
}

impl DaemonProver {
    /// The daemon of the data directory, if its `daemon.json` names one that answers.
    pub fn discover() -> Option<DaemonProver> {
        let text = std::fs::read_to_string(home()?.join("daemon.json")).ok()?;
        let file: DaemonFile = serde_json::from_str(&text).ok()?;
        let daemon = DaemonProver {
            base: format!("http://127.0.0.1:{}", file.port),
            token: file.token,
        };
        daemon.get("/api/jobs?limit=1").ok()?;
        Some(daemon)
    }

    fn get(&self, path: &str) -> Result<ureq::Body, Error> {
        let res = ureq::get(&format!("{}{path}", self.base))
            .header("x-api-key", &self.token)
            .call()
            .map_err(http)?;
        Ok(res.into_body())
    }

    fn upload(&self, path: &str, bytes: &[u8], field: &str) -> Result<String, Error> {
        let res = ureq::post(&format!("{}{path}", self.base))
            .header("x-api-key", &self.token)
            .content_type("application/octet-stream")
            .send(bytes)
            .map_err(http)?;
        let body: serde_json::Value = res.into_body().read_json().map_err(http)?;
        body[field]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::Daemon(format!("{path} answered without {field}")))
    }

    fn status(&self, job: &str) -> Result<Status, Error> {
        self.get(&format!("/api/jobs/{job}"))?
            .read_json()
            .map_err(http)
    }
}

impl Prover for DaemonProver {
    fn prove(&self, env: ExecutorEnv, elf: &[u8]) -> Result<ProveInfo, Error> {
        let expected = image_id(elf)?;
        let elf_id = self.upload("/api/elfs", elf, "elf")?;
        let input_id = self.upload("/api/inputs", &env.input, "input")?;
        let request = json!({ "elf": elf_id, "input": input_id, "po2": env.po2, "cycleLimit": env.cycle_limit });
        let res = ureq::post(&format!("{}/api/jobs", self.base))
            .header("x-api-key", &self.token)
            .send_json(request)
            .map_err(http)?;
        let created: serde_json::Value = res.into_body().read_json().map_err(http)?;
        let job = created["jobId"]
            .as_str()
            .ok_or_else(|| Error::Daemon("POST /api/jobs answered without jobId".into()))?
            .to_owned();
        let status = loop {
            let status = self.status(&job)?;
            if status.state != "running" {
                break status;
            }
            sleep(POLL);
        };
        if status.phase != "succeeded" {
            let message = status.error.unwrap_or_else(|| status.phase.clone());
            return Err(match message.strip_prefix("the guest panicked: ") {
                Some(report) => Error::GuestPanicked(report.to_owned()),
                None => Error::Prove(format!("job {job} {}: {message}", status.phase)),
            });
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut self.get(&format!("/api/jobs/{job}/receipt"))?.as_reader(),
            &mut bytes,
        )?;
        let receipt = Receipt::from_bytes(&bytes)?;
        receipt.verify(expected)?;
        let stats = SessionInfo {
            cycles: status.cycles.unwrap_or_default(),
            segments: status.segments,
            exit_code: status.exit_code.unwrap_or(receipt.exit_code),
            journal: Journal {
                bytes: receipt.journal.bytes.clone(),
            },
        };
        Ok(ProveInfo { receipt, stats })
    }

    fn name(&self) -> String {
        format!("the local daemon at {}", self.base)
    }
}
