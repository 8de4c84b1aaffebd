use diesel::SqliteConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{
    AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, SimpleAsyncConnection,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

use crate::StoreError;

pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

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
/// and let readers go on while a round is written.
const SQLITE_SETUP: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

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
        drop(pool.get().await.map_err(|e| StoreError::pool(url, e))?);
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

/// Runs one query body against whichever backend the store has. The body is
/// compiled once per backend, so every query is written once.
macro_rules! with_conn {
    ($store:expr, |$conn:ident, $queries:ident| $body:expr) => {
        match &$store.backend {
            $crate::db::Backend::Postgres(pool) => {
                let mut pooled = pool
                    .get()
                    .await
                    .map_err(|e| $crate::StoreError::pool("postgres", e))?;
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
