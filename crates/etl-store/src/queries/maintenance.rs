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
        (
            "player_session_totals",
            crate::schema::player_session_totals::table
                .count()
                .get_result(conn)
                .await?,
        ),
        (
            "round_announcements",
            crate::schema::round_announcements::table
                .count()
                .get_result(conn)
                .await?,
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

/// A single text from `sql` (a query giving one row with a TEXT `value`).
pub(crate) async fn single_text(conn: &mut Conn, sql: &str) -> Result<String, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct SingleText {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let row: SingleText = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.value)
}

/// The columns of a table from `sql` (see [`crate::backup::columns_sql`]).
pub(crate) async fn table_columns(
    conn: &mut Conn,
    sql: &str,
) -> Result<Vec<crate::backup::CatalogColumn>, StoreError> {
    Ok(diesel::sql_query(sql).load(conn).await?)
}

/// Every project table's rows (see [`crate::backup::dump_sql`]), all read in
/// one transaction so they agree with each other.
pub(crate) async fn dump_tables(
    conn: &mut Conn,
    backend: crate::BackendKind,
) -> Result<Vec<crate::backup::TableRows<'static>>, StoreError> {
    conn.transaction(async |conn| {
        if let Some(sql) = crate::backup::snapshot_sql(backend) {
            diesel::sql_query(sql).execute(conn).await?;
        }
        let mut tables = Vec::with_capacity(crate::TABLES.len());
        for table in crate::TABLES {
            let columns = table_columns(conn, &crate::backup::columns_sql(backend, table)).await?;
            let rows = single_text(conn, &crate::backup::dump_sql(backend, table, &columns)).await?;
            tables.push(crate::backup::TableRows::new(table, &columns, rows));
        }
        Ok(tables)
    })
    .await
}
