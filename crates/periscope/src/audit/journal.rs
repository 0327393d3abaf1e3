//! The append-only log that acknowledges SQLite audit rows: one `write(2)` per batch into a
//! segment file, so an action waits for neither SQLite's B-tree work nor its WAL. The store
//! ingests the same rows into SQLite right behind it and deletes a segment once all of it is
//! in the database; rows still in segments after a crash are replayed when the store opens.
//!
//! Durability matches SQLite's WAL with `synchronous=NORMAL`: a written batch survives the
//! process being killed (it is in the page cache), not a power cut before writeback.

use std::{
    fs::{File, OpenOptions},
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::{
    event::{ChainLink, EventBody},
    store::StoreError,
};

/// A segment is closed once it holds this many bytes.
const SEGMENT_BYTES: u64 = 8 * 1024 * 1024;

/// One row as a line of a segment.
#[derive(Serialize, Deserialize)]
struct Line {
    body: EventBody,
    link: ChainLink,
}

/// The segment directory that belongs to a database file: `<db>-log/`.
pub fn dir_for(db: &Path) -> PathBuf {
    let mut dir = db.as_os_str().to_owned();
    dir.push("-log");
    PathBuf::from(dir)
}

fn io(context: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError(format!("audit log: cannot {context} {}: {e}", path.display()))
}

fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:012}.jsonl"))
}

/// Segment numbers present in `dir`, oldest first.
fn segments(dir: &Path) -> Result<Vec<u64>, StoreError> {
    let mut numbers: Vec<u64> = std::fs::read_dir(dir)
        .map_err(|e| io("read", dir, e))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".jsonl")?.parse().ok())
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

/// The writing end, owned by the one process holding the directory's lock.
pub struct Journal {
    dir: PathBuf,
    file: File,
    segment: u64,
    bytes: u64,
}

/// What opening the journal found: rows left by a previous process, to be ingested before new ones.
pub struct Opened {
    /// The journal, ready for appends.
    pub journal: Journal,
    /// The directory's lock: whoever deletes segments must hold it, so a second process never
    /// replays or deletes ours.
    pub lock: File,
    /// Rows of earlier segments in write order; a torn last line (a batch never acknowledged) is left out.
    pub leftover: Vec<(EventBody, ChainLink)>,
    /// Segments those rows came from, to delete once they are in the database.
    pub leftover_segments: Vec<u64>,
}

impl Journal {
    /// Takes the directory's lock and reads what an earlier process left. `None`: another live
    /// process owns this database's journal (e.g. `audit verify` beside a running server).
    pub fn open(db: &Path) -> Result<Option<Opened>, StoreError> {
        let dir = dir_for(db);
        std::fs::create_dir_all(&dir).map_err(|e| io("create", &dir, e))?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path, e)),
        }
        let leftover_segments = segments(&dir)?;
        let mut leftover = Vec::new();
        for number in &leftover_segments {
            read_segment(&segment_path(&dir, *number), &mut leftover)?;
        }
        let segment = leftover_segments.last().map_or(1, |n| n + 1);
        let file = create_segment(&dir, segment)?;
        Ok(Some(Opened { journal: Journal { dir, file, segment, bytes: 0 }, lock, leftover, leftover_segments }))
    }

    /// Appends a batch with one write and returns the segment it landed in.
    pub fn append(&mut self, rows: &[(EventBody, ChainLink)]) -> Result<u64, StoreError> {
        if self.bytes >= SEGMENT_BYTES {
            self.segment += 1;
            self.file = create_segment(&self.dir, self.segment)?;
            self.bytes = 0;
        }
        let mut buf = Vec::with_capacity(rows.len() * 512);
        for (body, link) in rows {
            serde_json::to_writer(&mut buf, &LineRef { body, link }).map_err(|e| StoreError(e.to_string()))?;
            buf.push(b'\n');
        }
        let path = segment_path(&self.dir, self.segment);
        self.file.write_all(&buf).map_err(|e| io("append to", &path, e))?;
        self.bytes += buf.len() as u64;
        Ok(self.segment)
    }

    /// The directory, for the ingester's deletions.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The segment new rows go to.
    pub fn segment(&self) -> u64 {
        self.segment
    }
}

/// [`Line`] by reference, so appending does not clone the rows.
#[derive(Serialize)]
struct LineRef<'a> {
    body: &'a EventBody,
    link: &'a ChainLink,
}

fn create_segment(dir: &Path, number: u64) -> Result<File, StoreError> {
    let path = segment_path(dir, number);
    OpenOptions::new().create(true).append(true).open(&path).map_err(|e| io("create", &path, e))
}

fn read_segment(path: &Path, into: &mut Vec<(EventBody, ChainLink)>) -> Result<(), StoreError> {
    let file = File::open(path).map_err(|e| io("open", path, e))?;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| io("read", path, e))?;
        // A line that does not parse is the torn tail of a write cut short by a crash; its batch
        // was never acknowledged, so nothing acknowledged is lost by skipping it.
        match serde_json::from_slice::<Line>(&line) {
            Ok(Line { body, link }) => into.push((body, link)),
            Err(e) => tracing::warn!(segment = %path.display(), error = %e, "audit log: skipping a torn line"),
        }
    }
    Ok(())
}

/// Deletes segments numbered below `keep_from` (all of their rows are in the database).
pub fn delete_segments_before(dir: &Path, keep_from: u64) {
    let Ok(numbers) = segments(dir) else { return };
    for number in numbers.into_iter().filter(|n| *n < keep_from) {
        let path = segment_path(dir, number);
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(segment = %path.display(), error = %e, "audit log: cannot delete an ingested segment");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::sample_body;

    fn row(seq: i64) -> (EventBody, ChainLink) {
        let body = sample_body(seq);
        let link = ChainLink { writer_id: "w".into(), seq, prev_hash: "p".into(), hash: format!("h{seq}") };
        (body, link)
    }

    #[test]
    fn leftover_rows_are_replayed_in_order_and_a_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().expect("tmp");
        let db = dir.path().join("a.db");
        {
            let mut opened = Journal::open(&db).expect("open").expect("lock");
            assert!(opened.leftover.is_empty());
            opened.journal.append(&[row(1), row(2)]).expect("append");
            opened.journal.append(&[row(3)]).expect("append");
            let path = segment_path(opened.journal.dir(), opened.journal.segment);
            let mut f = OpenOptions::new().append(true).open(path).expect("segment");
            f.write_all(b"{\"body\":{\"ts_unix").expect("torn write");
        }
        let opened = Journal::open(&db).expect("reopen").expect("lock");
        let seqs: Vec<i64> = opened.leftover.iter().map(|(_, l)| l.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(opened.leftover_segments, vec![1]);
        assert_eq!(opened.journal.segment, 2, "new rows go to a fresh segment, never after a torn line");
    }

    #[test]
    fn a_second_opener_does_not_get_the_journal() {
        let dir = tempfile::tempdir().expect("tmp");
        let db = dir.path().join("a.db");
        let first = Journal::open(&db).expect("open").expect("lock");
        assert!(Journal::open(&db).expect("open").is_none(), "the lock is held by the first opener");
        drop(first);
        assert!(Journal::open(&db).expect("open").is_some(), "the lock is released with the journal");
    }

    #[test]
    fn ingested_segments_are_deleted() {
        let dir = tempfile::tempdir().expect("tmp");
        for n in 1..=3 {
            File::create(segment_path(dir.path(), n)).expect("segment");
        }
        delete_segments_before(dir.path(), 3);
        assert_eq!(segments(dir.path()).expect("list"), vec![3]);
    }
}
