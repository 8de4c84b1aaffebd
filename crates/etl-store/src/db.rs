use diesel::SqliteConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{
    AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, SimpleAsyncConnection,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::StoreError;

pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection, SqliteTasks>;

tokio::task_local! {
    /// Set while a file is imported: its statements run on the calling thread.
    static INLINE: ();
}

/// Runs `future` with every SQLite statement it makes on the calling thread
/// instead of tokio's blocking pool. Importing a file is dozens of short
/// statements in one transaction: handing each to another thread and back
/// cost more than running them. Reads, which may take long, keep the pool.
pub(crate) async fn sqlite_inline<F: std::future::Future>(future: F) -> F::Output {
    INLINE.scope((), future).await
}

/// How the SQLite wrapper runs a statement: inline during an import (see
/// [`sqlite_inline`]), else on tokio's blocking pool, as diesel-async does.
pub(crate) enum SqliteTasks {
    Handle(tokio::runtime::Handle),
    Runtime(tokio::runtime::Runtime),
    /// No runtime could be made: every statement runs inline.
    Inline,
}

type TaskResult<R> = Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>;

impl SpawnBlocking for SqliteTasks {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, TaskResult<R>>
    where
        R: Send + 'static,
    {
        let handle = match self {
            _ if INLINE.try_with(|()| ()).is_ok() => None,
            Self::Handle(handle) => Some(handle.clone()),
            Self::Runtime(runtime) => Some(runtime.handle().clone()),
            Self::Inline => None,
        };
        match handle {
            None => std::future::ready(Ok(task())).boxed(),
            Some(handle) => Finish {
                task: handle.spawn_blocking(task),
                handle,
            }
            .boxed(),
        }
    }

    fn get_runtime() -> Self {
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            return Self::Handle(handle);
        }
        match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => Self::Runtime(runtime),
            Err(_) => Self::Inline,
        }
    }
}

/// A statement on the blocking pool. Dropped early (the caller gave up), it
/// waits for the statement to finish, so the connection is never handed on
/// while a statement still runs on it (diesel-async's own wrapper does the same).
struct Finish<R> {
    task: tokio::task::JoinHandle<R>,
    handle: tokio::runtime::Handle,
}

impl<R> std::future::Future for Finish<R> {
    type Output = TaskResult<R>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.task)
            .poll(cx)
            .map(|result| result.map_err(|e| Box::new(e) as _))
    }
}

impl<R> Drop for Finish<R> {
    fn drop(&mut self) {
        if !self.task.is_finished() {
            let handle = self.handle.clone();
            let task = &mut self.task;
            tokio::task::block_in_place(|| {
                let _ = handle.block_on(task);
            });
        }
    }
}

pub(crate) const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/postgres");
pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/sqlite");

/// Which database a [`crate::Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Postgres,
    Sqlite,
}

pub(crate) enum Backend {
    Postgres(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConn>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Postgres(_) => "Postgres",
            Self::Sqlite(_) => "Sqlite",
        })
    }
}

/// SQLite is one file with one writer: wait for the lock instead of failing,
/// and let readers go on while a round is written. The timeout comes first:
/// switching to WAL takes a lock too, and without a busy handler a second
/// process opening the file at that moment (an `ask` while the bot imports)
/// failed at once with "database is locked".
pub(crate) const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// The SQLite file a `sqlite://PATH` URL names.
pub fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
}

pub(crate) async fn connect(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let pool = Pool::builder(manager)
            .max_size(8)
            .build()
            .map_err(|e| StoreError::pool(url, e))?;
        // Fail now, with the URL in the message, rather than at the first query.
        drop(checkout(url, pool.get()).await?);
        Ok(Backend::Postgres(pool))
    } else if let Some(path) = sqlite_path(url) {
        let mut config = ManagerConfig::<SqliteConn>::default();
        config.custom_setup = Box::new(|path| {
            let path = path.to_owned();
            async move {
                let mut conn = SqliteConn::establish(&path).await?;
                conn.batch_execute(SQLITE_SETUP)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            }
            .boxed()
        });
        let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(path, config);
        let pool = Pool::builder(manager)
            .max_size(4)
            .build()
            .map_err(|e| StoreError::pool(url, e))?;
        drop(pool.get().await.map_err(|e| StoreError::pool(url, e))?);
        Ok(Backend::Sqlite(pool))
    } else {
        Err(StoreError::UnsupportedUrl(crate::error::redact(url)))
    }
}

/// Applies the embedded migrations that have not run yet; returns their names.
pub(crate) async fn migrate(url: &str, backend: &Backend) -> Result<Vec<String>, StoreError> {
    let url = url.to_owned();
    let kind = backend.kind();
    // The harness blocks; run it on the blocking pool so any runtime flavour works.
    let applied = tokio::task::spawn_blocking(move || -> Result<Vec<String>, StoreError> {
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
        let names = match kind {
            BackendKind::Postgres => {
                let handle = tokio::runtime::Handle::current();
                let conn = handle
                    .block_on(AsyncPgConnection::establish(&url))
                    .map_err(|e| StoreError::pool(&url, e))?;
                let mut harness = AsyncMigrationHarness::new(conn);
                harness
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map_err(failed)?
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            }
            BackendKind::Sqlite => {
                let path = sqlite_path(&url).unwrap_or_default();
                let mut conn: AsyncConnectionWrapper<SqliteConn> =
                    diesel::Connection::establish(path).map_err(|e| StoreError::pool(&url, e))?;
                diesel::connection::SimpleConnection::batch_execute(&mut conn, SQLITE_SETUP)?;
                conn.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(failed)?
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            }
        };
        Ok(names)
    })
    .await
    .map_err(|e| StoreError::Migration(e.to_string()))??;
    Ok(applied)
}

impl Backend {
    pub(crate) fn kind(&self) -> BackendKind {
        match self {
            Self::Postgres(_) => BackendKind::Postgres,
            Self::Sqlite(_) => BackendKind::Sqlite,
        }
    }
}

/// How long getting a PostgreSQL connection may take before the database
/// counts as not answering. A healthy server hands one over in milliseconds;
/// one that hangs without closing anything (a stalled disk, a paused VM, a
/// connection left half open by a network cut) would otherwise hold every
/// command and import that asks, for as long as it hangs.
const CHECKOUT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A pooled PostgreSQL connection within [`CHECKOUT_TIMEOUT`]: checking an
/// idle one (deadpool's `SELECT 1`) or opening a new one. A connection
/// abandoned halfway is dropped by the pool, never handed on.
pub(crate) async fn checkout<T, E: std::fmt::Display>(
    label: &str,
    get: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(CHECKOUT_TIMEOUT, get).await {
        Ok(got) => got.map_err(|e| StoreError::pool(label, e)),
        Err(_) => Err(StoreError::pool(
            label,
            format!("no answer within {} s", CHECKOUT_TIMEOUT.as_secs()),
        )),
    }
}

/// Runs one query body against whichever backend the store has. The body is
/// compiled once per backend, so every query is written once.
macro_rules! with_conn {
    ($store:expr, |$conn:ident, $queries:ident| $body:expr) => {
        match &$store.backend {
            $crate::db::Backend::Postgres(pool) => {
                let mut pooled = $crate::db::checkout("postgres", pool.get()).await?;
                let $conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
                #[allow(unused_imports)]
                use $crate::queries::postgres as $queries;
                $body
            }
            $crate::db::Backend::Sqlite(pool) => {
                let mut pooled = pool
                    .get()
                    .await
                    .map_err(|e| $crate::StoreError::pool("sqlite", e))?;
                let $conn: &mut $crate::db::SqliteConn = &mut pooled;
                #[allow(unused_imports)]
                use $crate::queries::sqlite as $queries;
                $body
            }
        }
    };
}
pub(crate) use with_conn;
