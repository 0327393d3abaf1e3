//! Verifying hash chains: walk each writer's rows in sequence from its anchor (the last
//! pruned row, or genesis) and report the first row that does not fit.

use std::collections::HashMap;

use serde::Serialize;

use super::event::{GENESIS, StoredEvent, chain_hash};

/// The result of walking every chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub ok: bool,
    pub rows: u64,
    pub chains: usize,
    /// The first problem found in each broken chain.
    pub problems: Vec<Problem>,
}

/// A broken link.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub writer_id: String,
    /// The row id where the chain breaks.
    pub row_id: i64,
    pub seq: i64,
    /// The row's request id, which finds it (and its pair) through `/api/audit?requestId=`.
    pub request_id: String,
    pub reason: String,
}

/// Consumes rows ordered by (writer_id, seq) and checks each chain.
pub struct Verifier {
    anchors: HashMap<String, (i64, String)>,
    current: Option<(String, i64, String, bool)>,
    report: VerifyReport,
}

impl Verifier {
    /// A verifier starting each writer's chain at its anchor (`(seq, hash)` of the last pruned row).
    pub fn new(anchors: HashMap<String, (i64, String)>) -> Self {
        Verifier { anchors, current: None, report: VerifyReport { ok: true, rows: 0, chains: 0, problems: vec![] } }
    }

    /// Checks the next row.
    pub fn push(&mut self, row: &StoredEvent) {
        self.report.rows += 1;
        let link = &row.link;
        let same_writer = self.current.as_ref().is_some_and(|(w, ..)| *w == link.writer_id);
        if !same_writer {
            self.report.chains += 1;
            let (seq, hash) = self.anchors.get(&link.writer_id).cloned().unwrap_or((0, GENESIS.to_string()));
            self.current = Some((link.writer_id.clone(), seq, hash, false));
        }
        let Some((writer, last_seq, last_hash, broken)) = self.current.as_mut() else { return };
        if *broken {
            return;
        }
        let problem = if link.seq != *last_seq + 1 {
            Some(format!("expected seq {} but found {}: rows are missing or reordered", *last_seq + 1, link.seq))
        } else if link.prev_hash != *last_hash {
            Some("prev_hash does not match the previous row's hash: a row before it was changed or removed".into())
        } else if chain_hash(&link.prev_hash, &link.writer_id, link.seq, &row.body) != link.hash {
            Some("content does not match its hash: the row was edited".into())
        } else {
            None
        };
        match problem {
            Some(reason) => {
                *broken = true;
                self.report.ok = false;
                self.report.problems.push(Problem {
                    writer_id: writer.clone(),
                    row_id: row.id,
                    seq: link.seq,
                    request_id: row.body.request_id.clone(),
                    reason,
                });
            }
            None => {
                *last_seq = link.seq;
                *last_hash = link.hash.clone();
            }
        }
    }

    /// The report after the last row.
    pub fn finish(self) -> VerifyReport {
        self.report
    }
}
