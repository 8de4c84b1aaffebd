//! Every query, written once in `body.rs` and compiled once per backend
//! (diesel-async has no connection type that spans both). What truly differs
//! between the backends stays in this file.

pub(crate) mod postgres {
    pub(crate) type Conn = diesel_async::AsyncPgConnection;
    include!("body.rs");
    include!("reads.rs");
    include!("maintenance.rs");

    /// Multi-row INSERTs: one round trip per table per round.
    async fn insert_stats_rows(conn: &mut Conn, rows: &[StatsRow]) -> Result<(), StoreError> {
        // PostgreSQL takes at most 65535 bound parameters per statement.
        for chunk in rows.chunks(1000) {
            diesel::insert_into(player_round_stats::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    async fn insert_weapon_rows(conn: &mut Conn, rows: &[WeaponRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(5000) {
            diesel::insert_into(player_round_weapons::table)
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

    // diesel splits SQLite batch inserts only on its synchronous connection;
    // in-process, one prepared INSERT per row inside the file's transaction is cheap.
    async fn insert_stats_rows(conn: &mut Conn, rows: &[StatsRow]) -> Result<(), StoreError> {
        for row in rows {
            diesel::insert_into(player_round_stats::table)
                .values(row)
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    async fn insert_weapon_rows(conn: &mut Conn, rows: &[WeaponRow]) -> Result<(), StoreError> {
        for row in rows {
            diesel::insert_into(player_round_weapons::table)
                .values(row)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}
