//! Every query, written once in `body.rs` and compiled once per backend
//! (diesel-async has no connection type that spans both). What truly differs
//! between the backends stays in this file: how a batch of rows is written.

pub(crate) mod postgres {
    pub(crate) type Conn = diesel_async::AsyncPgConnection;
    include!("body.rs");
    include!("reads.rs");
    include!("maintenance.rs");

    /// A round trip costs more than parsing a long statement: write many rows
    /// per statement.
    const MULTI_ROW: bool = true;

    /// The n-th bound parameter in raw SQL (from 1).
    fn param(n: usize) -> String {
        format!("${n}")
    }

    /// PostgreSQL locks rows as they are written and waits for others' locks.
    async fn take_write_lock(_conn: &mut Conn) -> Result<(), StoreError> {
        Ok(())
    }

    /// Runs one statement that owns its values (a multi-row INSERT, an upsert).
    async fn execute_owned<Q>(conn: &mut Conn, query: Q) -> Result<usize, StoreError>
    where
        Q: diesel_async::methods::ExecuteDsl<Conn> + diesel_async::RunQueryDsl<Conn> + Send,
    {
        Ok(query.execute(conn).await?)
    }

    /// Runs statements one after the other.
    async fn execute_all<Q>(conn: &mut Conn, queries: Vec<Q>) -> Result<usize, StoreError>
    where
        Q: diesel_async::methods::ExecuteDsl<Conn> + diesel_async::RunQueryDsl<Conn> + Send,
    {
        let mut count = 0;
        for query in queries {
            count += query.execute(conn).await?;
        }
        Ok(count)
    }

    /// Inserts rows, `per_statement` to a statement (PostgreSQL takes at most
    /// 65535 bound parameters per statement).
    async fn insert_all<T, V>(
        conn: &mut Conn,
        table: T,
        rows: Vec<V>,
        per_statement: usize,
    ) -> Result<(), StoreError>
    where
        T: diesel::Table + Copy + Send,
        V: Send,
        Vec<V>: diesel::Insertable<T>,
        diesel::query_builder::InsertStatement<T, <Vec<V> as diesel::Insertable<T>>::Values>:
            diesel_async::methods::ExecuteDsl<Conn> + diesel_async::RunQueryDsl<Conn> + Send,
    {
        let mut rows = rows;
        while !rows.is_empty() {
            let rest = rows.split_off(per_statement.clamp(1, rows.len()));
            let chunk = std::mem::replace(&mut rows, rest);
            diesel::insert_into(table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

pub(crate) mod sqlite {
    pub(crate) type Conn = crate::db::SqliteConn;
    include!("body.rs");
    include!("reads.rs");
    include!("maintenance.rs");

    /// In process, a statement costs its parse (a multi-row statement is new
    /// text every time) and the hop to the connection's blocking thread: run
    /// prepared one-row statements, many per hop.
    const MULTI_ROW: bool = false;

    /// The n-th bound parameter in raw SQL (SQLite numbers them by position).
    fn param(_n: usize) -> String {
        "?".to_owned()
    }

    /// Takes the database's write lock first thing in a transaction that
    /// reads before it writes (`BEGIN IMMEDIATE`, which diesel's transaction
    /// does not offer). Otherwise SQLite answers "database is locked" at
    /// once, without the busy timeout, when such a transaction comes to its
    /// first write after another connection wrote since it began reading: in
    /// the bot, an import failed whenever a posted card was recorded at the
    /// same moment. A write as the transaction's first statement waits for
    /// the lock like any other. It changes no row.
    async fn take_write_lock(conn: &mut Conn) -> Result<(), StoreError> {
        diesel::sql_query("DELETE FROM round_announcements WHERE 0")
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Runs one statement that owns its values on diesel's own SQLite
    /// connection, in the wrapper's blocking task (diesel-async's wrapper has
    /// no multi-row INSERT).
    async fn execute_owned<Q>(conn: &mut Conn, query: Q) -> Result<usize, StoreError>
    where
        Q: diesel::query_dsl::methods::ExecuteDsl<diesel::SqliteConnection> + Send + 'static,
    {
        Ok(conn
            .spawn_blocking(move |conn| {
                diesel::query_dsl::methods::ExecuteDsl::execute(query, conn)
            })
            .await?)
    }

    /// Runs statements one after the other in one blocking task.
    async fn execute_all<Q>(conn: &mut Conn, queries: Vec<Q>) -> Result<usize, StoreError>
    where
        Q: diesel::query_dsl::methods::ExecuteDsl<diesel::SqliteConnection> + Send + 'static,
    {
        if queries.is_empty() {
            return Ok(0);
        }
        Ok(conn
            .spawn_blocking(move |conn| {
                let mut count = 0;
                for query in queries {
                    count += diesel::query_dsl::methods::ExecuteDsl::execute(query, conn)?;
                }
                Ok(count)
            })
            .await?)
    }

    /// Rows per multi-row INSERT. A fixed count keeps the statement's text
    /// the same, so diesel prepares it once per connection and caches it.
    const ROWS_PER_INSERT: usize = 16;

    /// Inserts rows with prepared (cached) INSERTs of [`ROWS_PER_INSERT`]
    /// rows, the rest one by one, all in one blocking task.
    async fn insert_all<T, V>(
        conn: &mut Conn,
        table: T,
        rows: Vec<V>,
        _per_statement: usize,
    ) -> Result<(), StoreError>
    where
        T: diesel::Table + Copy + Send + 'static,
        V: diesel::Insertable<T> + Send + 'static,
        diesel::query_builder::InsertStatement<T, V::Values>:
            diesel::query_dsl::methods::ExecuteDsl<diesel::SqliteConnection>,
        diesel::query_builder::InsertStatement<
            T,
            <Box<[V; ROWS_PER_INSERT]> as diesel::Insertable<T>>::Values,
        >: diesel::query_dsl::methods::ExecuteDsl<diesel::SqliteConnection>,
    {
        use diesel::query_dsl::methods::ExecuteDsl;
        if rows.is_empty() {
            return Ok(());
        }
        conn.spawn_blocking(move |conn| {
            let mut rows = rows.into_iter();
            while rows.len() >= ROWS_PER_INSERT {
                let chunk: Vec<V> = rows.by_ref().take(ROWS_PER_INSERT).collect();
                let chunk: Box<[V; ROWS_PER_INSERT]> = chunk
                    .into_boxed_slice()
                    .try_into()
                    .map_err(|_| diesel::result::Error::QueryBuilderError("short chunk".into()))?;
                ExecuteDsl::execute(diesel::insert_into(table).values(chunk), conn)?;
            }
            for row in rows {
                ExecuteDsl::execute(diesel::insert_into(table).values(row), conn)?;
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}
