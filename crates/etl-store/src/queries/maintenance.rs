// Maintenance reads and commands (schema check, counts, size, vacuum).
// Included with body.rs per backend; what differs between the backends
// (catalog queries, VACUUM) is chosen by the caller and passed in as SQL.

/// One number from a query (`... AS value`).
#[derive(Debug, diesel::QueryableByName)]
pub(crate) struct SingleNumber {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub value: i64,
}

/// Tables and views the database holds as `(name, kind)`, from `sql` (a
/// catalog query giving the columns `name` and `kind`).
pub(crate) async fn catalog_objects(
    conn: &mut Conn,
    sql: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Object {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
    }
    let rows: Vec<Object> = diesel::sql_query(sql).load(conn).await?;
    Ok(rows.into_iter().map(|row| (row.name, row.kind)).collect())
}

/// The versions recorded by diesel's migration harness, oldest first.
pub(crate) async fn applied_migration_versions(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|row| row.version).collect())
}

/// A single number from `sql` (a query giving one row with a BIGINT `value`).
pub(crate) async fn single_number(conn: &mut Conn, sql: &str) -> Result<i64, StoreError> {
    let row: SingleNumber = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.value)
}

/// Rows in every project table, in [`crate::TABLES`] order.
pub(crate) async fn table_row_counts(
    conn: &mut Conn,
) -> Result<Vec<(&'static str, i64)>, StoreError> {
    use crate::schema::{discord_links, session_teams, team_history};
    Ok(vec![
        ("sessions", sessions::table.count().get_result(conn).await?),
        ("rounds", rounds::table.count().get_result(conn).await?),
        (
            "round_files",
            round_files::table.count().get_result(conn).await?,
        ),
        ("players", players::table.count().get_result(conn).await?),
        (
            "player_names",
            player_names::table.count().get_result(conn).await?,
        ),
        (
            "player_round_stats",
            player_round_stats::table.count().get_result(conn).await?,
        ),
        (
            "player_round_weapons",
            player_round_weapons::table.count().get_result(conn).await?,
        ),
        (
            "processed_files",
            processed_files::table.count().get_result(conn).await?,
        ),
        (
            "session_teams",
            session_teams::table.count().get_result(conn).await?,
        ),
        (
            "team_history",
            team_history::table.count().get_result(conn).await?,
        ),
        (
            "discord_links",
            discord_links::table.count().get_result(conn).await?,
        ),
    ])
}

/// The newest processed files that succeeded (or failed), newest first.
pub(crate) async fn processed_files_page(
    conn: &mut Conn,
    success: bool,
    limit: i64,
) -> Result<Vec<ProcessedFile>, StoreError> {
    Ok(processed_files::table
        .filter(processed_files::success.eq(success))
        .order((
            processed_files::processed_at.desc(),
            processed_files::file_name.desc(),
        ))
        .limit(limit)
        .select(ProcessedFile::as_select())
        .load(conn)
        .await?)
}

/// Runs maintenance statements that must not be wrapped in a transaction
/// (`VACUUM`); the pool hands out connections outside any transaction.
pub(crate) async fn run_outside_transaction(conn: &mut Conn, sql: &str) -> Result<(), StoreError> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute(sql).await?;
    Ok(())
}
