//! Session recordings in both stores against real storage: a directory, and a real PostgreSQL
//! (the store a server uses when its audit trail is PostgreSQL only). What a session wrote
//! replays byte for byte, a recording a killed server left is closed on the next start, and
//! retention deletes ended recordings.

use std::time::Duration;

use periscope::exec::{
    protocol::CloseReason,
    recording::{RecordingInfo, RecordingStore},
    registry::SessionMeta,
};
use periscope_testkit::postgres;

fn meta(id: &str) -> SessionMeta {
    SessionMeta {
        id: id.into(),
        user: "ann".into(),
        cluster: "alpha".into(),
        namespace: "ns".into(),
        pod: "p".into(),
        container: "c".into(),
        tty: true,
        started_at: jiff::Timestamp::now().to_string(),
    }
}

/// The output events of a recording, concatenated.
fn replayed(cast: &[u8]) -> String {
    let text = String::from_utf8_lossy(cast);
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().expect("a header line")).expect("header JSON");
    assert_eq!(header["version"], 2);
    lines
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e[1] == "o")
        .map(|e| e[2].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn round_trip(store: &RecordingStore) {
    let mut rec = store.start(&meta("xa1"), false, (80, 24)).await.expect("recording starts");
    let mut sent = String::new();
    for i in 0..200 {
        let chunk = format!("line {i} with ünïcode €\r\n");
        sent.push_str(&chunk);
        rec.output(chunk.as_bytes()).await;
    }
    rec.input(b"hunter2").await;
    rec.resize(100, 30).await;
    let info: RecordingInfo = rec.finish(CloseReason::Completed, Some(0)).await;
    assert_eq!(info.reason.as_deref(), Some("completed"));
    let cast = store.cast_bytes("xa1").await.expect("the recording reads back");
    assert_eq!(replayed(&cast), sent);
    assert!(!String::from_utf8_lossy(&cast).contains("hunter2"), "input is not recorded unless enabled");
    assert!(String::from_utf8_lossy(&cast).contains("100x30"));
    assert_eq!(store.info("xa1").await.expect("sidecar").exit_code, Some(0));

    // A session whose server died: started, written, never finished.
    let mut cut = store.start(&meta("xb2"), true, (80, 24)).await.expect("recording starts");
    cut.output(b"before the kill").await;
    cut.input(b"typed").await;
    // Past the chunk interval, so a PostgreSQL recording has written the first event.
    tokio::time::sleep(Duration::from_millis(300)).await;
    cut.output(b"!").await;
    drop(cut);
    let recovered = store.recover().await;
    assert_eq!(recovered.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["xb2"]);
    assert_eq!(store.info("xb2").await.expect("sidecar").reason.as_deref(), Some("server_restart"));
    let cast = String::from_utf8_lossy(&store.cast_bytes("xb2").await.expect("readable")).into_owned();
    assert!(replayed(cast.as_bytes()).starts_with("before the kill"), "{cast}");
    assert!(cast.contains("typed"), "input recorded where enabled: {cast}");
    assert!(store.recover().await.is_empty(), "closed once");

    assert_eq!(store.list().await.len(), 2);
    assert_eq!(store.prune(Duration::from_secs(3600)).await, 0, "nothing is old yet");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.prune(Duration::from_millis(1)).await, 2);
    assert!(store.list().await.is_empty());
    assert!(store.cast_bytes("xa1").await.is_none());
}

#[tokio::test]
async fn recordings_in_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = RecordingStore::open(dir.path().join("recordings"), 1 << 20).await.expect("store opens");
    round_trip(&store).await;
}

#[tokio::test]
async fn recordings_in_postgresql() {
    let dsn = postgres::fresh_database("recordings");
    let store = RecordingStore::open_postgres(&dsn, 1 << 20).await.expect("store opens");
    round_trip(&store).await;
}
