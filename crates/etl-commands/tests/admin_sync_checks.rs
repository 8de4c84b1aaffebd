//! Admin and sync commands whose answers depend on the backend, the clock or
//! the file system (paths, sizes, URLs, import times), so they are checked
//! here rather than as goldens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::path::PathBuf;
use std::sync::Mutex;

use etl_commands::{
    BoxFuture, COMMANDS, Caller, Category, CommandError, Context, Reply, Settings, SyncService,
    SyncSummary,
};
use etl_store::testing::{TestDb, repo_root, unique};
use etl_store::{BackendKind, ImportOptions, RecordFilter, Store};
use jiff::civil::{Date, date};
use support::{now, sample_store};

/// A source that fetches nothing: it records the dates it was asked for.
struct RecordingSync {
    asked: Mutex<Vec<(Date, Date)>>,
    answer: Result<SyncSummary, String>,
}

impl RecordingSync {
    fn answering(answer: Result<SyncSummary, String>) -> Self {
        Self {
            asked: Mutex::new(Vec::new()),
            answer,
        }
    }

    fn last(&self) -> (Date, Date) {
        *self.asked.lock().unwrap().last().unwrap()
    }
}

impl SyncService for RecordingSync {
    fn sync(&self, from: Date, to: Date) -> BoxFuture<'_, Result<SyncSummary, String>> {
        self.asked.lock().unwrap().push((from, to));
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

fn settings_in(dir: PathBuf) -> Settings {
    Settings {
        min_rounds: 2,
        backup_dir: dir,
        ..Settings::default()
    }
}

async fn ask(
    store: &Store,
    settings: &Settings,
    admin: bool,
    sync: Option<&dyn SyncService>,
    line: &str,
) -> Result<Reply, CommandError> {
    let ctx = Context {
        store,
        settings,
        caller: Caller {
            discord_id: Some("1001".into()),
            is_admin: admin,
        },
        session: None,
        sync,
        ops: None,
        now: now(),
    };
    etl_commands::run(&ctx, line).await
}

async fn admin(store: &Store, line: &str) -> Reply {
    let settings = support::settings();
    ask(store, &settings, true, None, line)
        .await
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(unique(name))
}

/// A minimal RFC 4180 reader: quoted cells may hold commas, quotes, line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        cell.is_empty() && row.is_empty(),
        "no line break at the end"
    );
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_on_sqlite_writes_a_copy_that_opens_with_the_same_rounds() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let dir = scratch("etl-commands-backup");
    let settings = settings_in(dir.clone());
    let reply = ask(&store, &settings, true, None, "backup_database")
        .await
        .unwrap();
    let text = reply.to_text();
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("etl-") && name.ends_with(".db"), "{name}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("8 rounds"), "{text}");
    let bytes = std::fs::metadata(path).unwrap().len();
    assert!(
        text.replace(',', "").contains(&format!("({bytes} bytes)")),
        "{text}"
    );
    assert!(text.contains("SQLite database file"), "{text}");

    let copy = Store::open(
        &format!("sqlite://{}", path.display()),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let rounds = |records: &[etl_store::PlayerRecord]| -> Vec<(i64, String)> {
        let mut out: Vec<(i64, String)> = records
            .iter()
            .map(|r| (r.round.id, r.round.file_name.clone()))
            .collect();
        out.dedup();
        out
    };
    let filter = RecordFilter::default();
    let original = store.records(&filter).await.unwrap();
    let copied = copy.records(&filter).await.unwrap();
    assert_eq!(rounds(&copied), rounds(&original));
    assert_eq!(copied.len(), original.len());
    assert_eq!(
        copy.table_counts().await.unwrap(),
        store.table_counts().await.unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn export_is_one_csv_line_per_round_only_player_row() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let records = store.records(&RecordFilter::default()).await.unwrap();
    assert!(!records.is_empty());

    let reply = admin(&store, "export_stats").await;
    assert_eq!(reply.attachments.len(), 1);
    let attachment = &reply.attachments[0];
    assert_eq!(attachment.filename, "etl-stats-all.csv");
    assert_eq!(attachment.content_type, "text/csv");
    assert_eq!(attachment.size, attachment.bytes.len());
    let text = String::from_utf8(attachment.bytes.clone()).unwrap();
    let rows = parse_csv(&text);
    assert_eq!(
        rows.len(),
        records.len() + 1,
        "a header and one line per row"
    );

    let header = &rows[0];
    assert_eq!(
        header[..9],
        [
            "session",
            "played_at",
            "map",
            "round",
            "guid",
            "name",
            "team",
            "squad",
            "kills"
        ]
    );
    for column in ["deaths", "dpm", "revives_given", "multikill_6", "xp"] {
        assert!(header.iter().any(|h| h == column), "{column}");
    }
    assert!(rows.iter().all(|row| row.len() == header.len()));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let kills: i64 = rows[1..]
        .iter()
        .map(|row| row[column("kills")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(kills, records.iter().map(|r| r.stats.kills).sum::<i64>());
    let damage: i64 = rows[1..]
        .iter()
        .map(|row| row[column("damage_given")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        damage,
        records.iter().map(|r| r.stats.damage_given).sum::<i64>()
    );
    // Row by row, in the order played.
    for (row, record) in rows[1..].iter().zip(&records) {
        assert_eq!(row[column("played_at")], record.round.played_at);
        assert_eq!(row[column("guid")], record.player.guid);
        assert_eq!(row[column("round")], record.round.round_number.to_string());
        assert_eq!(row[column("dpm")].parse::<f64>().unwrap(), record.stats.dpm);
    }
    assert!(
        reply
            .to_text()
            .contains(&format!("{} player rounds", records.len()))
    );

    // A window narrows it; an empty window attaches nothing.
    let day = admin(&store, "export_stats 2025-11-02").await;
    assert_eq!(day.attachments[0].filename, "etl-stats-2025-11-02.csv");
    assert_eq!(day.attachments[0].bytes, attachment.bytes);
    let empty = admin(&store, "export_stats 2025-12").await;
    assert!(empty.attachments.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_file_shows_in_failed_imports_with_its_reason() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let text = admin(&store, "failed_imports").await.to_text();
    assert!(text.contains("No failed imports"), "{text}");

    let broken =
        repo_root().join("testdata/parser/broken/2025-11-20-200500-weapon_block_short-round-1.txt");
    let name = broken.file_name().unwrap().to_str().unwrap();
    let bytes = std::fs::read(&broken).unwrap();
    store.import_file(name, &bytes).await.unwrap();
    store.import_file(name, &bytes).await.unwrap();
    let failed = store.failed_imports(1).await.unwrap();
    let reason = failed[0].error.clone().unwrap();

    let text = admin(&store, "failed_imports").await.to_text();
    assert!(text.contains(name), "{text}");
    assert!(text.contains("2 attempts"), "{text}");
    // The reason, without the file name it starts with.
    let short = reason
        .strip_prefix(name)
        .map_or(reason.as_str(), |r| r.trim_start_matches(':').trim());
    assert!(text.contains(short), "{text}\n---\n{reason}");
    let when = failed[0].processed_at.replace('T', " ");
    assert!(text.contains(when.trim_end_matches('Z')), "{text}");

    // Recent imports list successes only, newest first, with their time.
    let recent = admin(&store, "recent_imports 3").await;
    let table = recent.pages[0].table.as_ref().unwrap();
    assert_eq!(table.rows.len(), 3);
    let expected = store.recent_imports(3).await.unwrap();
    for (row, file) in table.rows.iter().zip(&expected) {
        assert_eq!(row[0], file.file_name);
        assert_eq!(row[1], file.processed_at.replace('T', " ").replace('Z', ""));
        assert_ne!(row[0], name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_commands_ask_the_source_for_the_right_dates() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let settings = support::settings();
    let sync = RecordingSync::answering(Ok(SyncSummary {
        imported: vec![
            "2025-11-03-201530-supply-round-1.txt".into(),
            "2025-11-03-203304-supply-round-2.txt".into(),
        ],
        failed: vec!["2025-11-03-205012-te_escape2-round-1.txt".into()],
        errors: vec!["server2: connection refused".into()],
    }));
    // `now` is 2025-11-03 12:00.
    let today = date(2025, 11, 3);
    let cases: [(&str, (Date, Date)); 10] = [
        ("sync_today", (today, today)),
        ("sync_week", (date(2025, 10, 27), today)),
        ("sync_month", (date(2025, 10, 4), today)),
        ("sync_all", (Date::MIN, Date::MAX)),
        ("sync_stats all", (Date::MIN, Date::MAX)),
        (
            "sync_stats 2025-11",
            (date(2025, 11, 1), date(2025, 11, 30)),
        ),
        (
            "sync_stats 2025-11-02",
            (date(2025, 11, 2), date(2025, 11, 2)),
        ),
        (
            "sync_stats yesterday",
            (date(2025, 11, 2), date(2025, 11, 2)),
        ),
        ("sync_stats 7d", (date(2025, 10, 27), today)),
        ("sync 2025", (date(2025, 1, 1), date(2025, 12, 31))),
    ];
    for (line, expected) in cases {
        let reply = ask(&store, &settings, true, Some(&sync), line)
            .await
            .unwrap();
        assert_eq!(sync.last(), expected, "{line}");
        let text = reply.to_text();
        assert!(
            text.contains("2 imported, 1 failed, 1 error."),
            "{line}: {text}"
        );
        assert!(text.contains("supply-round-2"), "{text}");
        assert!(text.contains("connection refused"), "{text}");
    }
    assert_eq!(sync.asked.lock().unwrap().len(), cases.len());

    // Bad arguments never reach the source.
    for line in ["sync_stats", "sync_stats soon", "sync_today please"] {
        let error = ask(&store, &settings, true, Some(&sync), line)
            .await
            .unwrap_err();
        assert!(
            matches!(error, CommandError::BadArgument { .. }),
            "{line}: {error}"
        );
    }
    assert_eq!(sync.asked.lock().unwrap().len(), cases.len());

    // A source that fails says so.
    let broken = RecordingSync::answering(Err("no route to host".into()));
    let error = ask(&store, &settings, true, Some(&broken), "sync_week")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no route to host"), "{error}");

    // Nothing new.
    let quiet = RecordingSync::answering(Ok(SyncSummary::default()));
    let text = ask(&store, &settings, true, Some(&quiet), "sync_today")
        .await
        .unwrap()
        .to_text();
    assert!(text.contains("Nothing new"), "{text}");

    // Without a source.
    let text = ask(&store, &settings, true, None, "sync_all")
        .await
        .unwrap()
        .to_text();
    assert!(text.contains("add [[sources]] to etl.toml"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_admins_are_refused_every_admin_and_sync_command() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let dir = scratch("etl-commands-refused");
    let settings = settings_in(dir.clone());
    let sync = RecordingSync::answering(Ok(SyncSummary::default()));
    let mut refused = 0;
    // `health` is the one admin command anyone may ask: it shows only each
    // check's status to non-admins (see tests/ops_checks.rs), never paths,
    // hosts or errors, and lets players see whether rounds are coming in.
    let open: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| matches!(c.category, Category::Admin | Category::Sync) && !c.admin)
        .map(|c| c.name)
        .collect();
    assert_eq!(open, ["health"]);
    for spec in COMMANDS
        .iter()
        .filter(|c| matches!(c.category, Category::Admin | Category::Sync) && c.admin)
    {
        let error = ask(&store, &settings, false, Some(&sync), spec.name)
            .await
            .unwrap_err();
        assert!(
            matches!(error, CommandError::NotAllowed(_)),
            "{}: {error}",
            spec.name
        );
        refused += 1;
    }
    assert_eq!(refused, 17);
    assert!(sync.asked.lock().unwrap().is_empty());
    assert!(!dir.exists(), "no backup was written");
}

/// The lines that differ by backend: size, URL, backup format, vacuum.
async fn backend_specific_replies(db: &TestDb) {
    let store = sample_store(db).await;
    let size = store.database_size().await.unwrap();

    let text = admin(&store, "database_size").await.to_text();
    assert!(text.contains(" bytes"), "{text}");
    let reported: u64 = text
        .split(['(', ' '])
        .filter_map(|w| w.replace(',', "").parse::<u64>().ok())
        .find(|n| *n > 1024)
        .unwrap();
    // The size may move a little between the two reads (WAL); same order.
    assert!(
        reported / 2 < size && size < reported * 2,
        "{reported} {size}"
    );

    let text = admin(&store, "database_info").await.to_text();
    let backend = match store.backend() {
        BackendKind::Postgres => "PostgreSQL",
        BackendKind::Sqlite => "SQLite",
    };
    assert!(text.contains(backend), "{text}");
    assert!(text.contains(&store.url()), "{text}");
    assert!(
        text.contains("2025-11-02 20:15:30 to 2025-11-02 22:09:02"),
        "{text}"
    );
    assert!(text.contains("Sessions:\n  1"), "{text}");
    assert!(text.contains("rounds: 8"), "{text}");

    let text = admin(&store, "vacuum_database").await.to_text();
    assert!(text.contains("Vacuum done"), "{text}");
    assert!(
        text.contains("Reclaimed") || text.contains("Grew by"),
        "{text}"
    );

    let dir = scratch("etl-commands-backup-both");
    let settings = settings_in(dir.clone());
    let text = ask(&store, &settings, true, None, "backup")
        .await
        .unwrap()
        .to_text();
    assert!(text.contains("8 rounds"), "{text}");
    let format = match store.backend() {
        BackendKind::Postgres => "pg_dump SQL",
        BackendKind::Sqlite => "SQLite database file",
    };
    assert!(text.contains(format), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_specific_replies_on_sqlite() {
    backend_specific_replies(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_specific_replies_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    backend_specific_replies(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_stay_out_of_replies_and_backups() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // The test server trusts local connections, so any password opens it.
    let url = db.url.replacen("://postgres@", "://postgres:hunter2@", 1);
    if url == db.url {
        eprintln!("\n!!!!! SKIPPED: the test URL is not postgres://postgres@… !!!!!\n");
        return;
    }
    let store = Store::open(&url, ImportOptions::default()).await.unwrap();
    let text = admin(&store, "database_info").await.to_text();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("postgres:***@"), "{text}");

    let dir = scratch("etl-commands-backup-password");
    let settings = settings_in(dir.clone());
    let reply = ask(&store, &settings, true, None, "backup_database")
        .await
        .unwrap();
    assert!(!reply.to_text().contains("hunter2"));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let dump = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!dump.contains("hunter2"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
