// The read side used by the command engine. Included with body.rs per backend.

/// Player rows of kind round_only joined with their round and player.
pub(crate) async fn records(conn: &mut Conn, filter: &crate::read::RecordFilter) -> Result<Vec<crate::read::PlayerRecord>, StoreError> {
    use crate::models::PlayerRow;
    let mut query = player_round_stats::table
        .inner_join(rounds::table)
        .inner_join(players::table)
        .filter(player_round_stats::kind.eq(ROUND_ONLY))
        .select((RoundRow::as_select(), PlayerRow::as_select(), StatsRow::as_select()))
        .into_boxed();
    if let Some(ids) = &filter.players {
        query = query.filter(player_round_stats::player_id.eq_any(ids.clone()));
    }
    if let Some(from) = &filter.from {
        query = query.filter(rounds::played_at.ge(from.clone()));
    }
    if let Some(to) = &filter.to {
        query = query.filter(rounds::played_at.lt(to.clone()));
    }
    if let Some(session) = &filter.session {
        query = query.filter(rounds::session_id.eq(session.clone()));
    }
    if let Some(map) = &filter.map {
        query = query.filter(rounds::map.eq(map.clone()));
    }
    if !filter.include_bots {
        query = query.filter(players::is_bot.eq(false));
    }
    let rows: Vec<(RoundRow, PlayerRow, StatsRow)> = query
        .order((rounds::played_at.asc(), rounds::id.asc(), player_round_stats::line_index.asc()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(round, player, stats)| crate::read::PlayerRecord { round, player, stats })
        .collect())
}

pub(crate) async fn weapon_rows(conn: &mut Conn, round_ids: &[i64]) -> Result<Vec<WeaponRow>, StoreError> {
    let mut out = Vec::new();
    // Bounded IN lists: SQLite caps bound parameters per statement.
    for chunk in round_ids.chunks(900) {
        let rows: Vec<WeaponRow> = player_round_weapons::table
            .filter(player_round_weapons::kind.eq(ROUND_ONLY))
            .filter(player_round_weapons::round_id.eq_any(chunk))
            .select(WeaponRow::as_select())
            .load(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

pub(crate) async fn all_players(conn: &mut Conn) -> Result<Vec<crate::models::PlayerRow>, StoreError> {
    Ok(players::table
        .order(players::id.asc())
        .select(crate::models::PlayerRow::as_select())
        .load(conn)
        .await?)
}

pub(crate) async fn all_player_names(conn: &mut Conn) -> Result<Vec<(i64, String, String, i64)>, StoreError> {
    Ok(player_names::table
        .order((player_names::player_id.asc(), player_names::last_seen.desc()))
        .select((player_names::player_id, player_names::name, player_names::clean_name, player_names::times_seen))
        .load(conn)
        .await?)
}

pub(crate) async fn session_rows(conn: &mut Conn, newest_first: bool, limit: i64) -> Result<Vec<crate::read::SessionRow>, StoreError> {
    let query = sessions::table
        .select((sessions::id, sessions::source, sessions::started_at, sessions::ended_at))
        .limit(limit);
    let rows: Vec<(String, String, String, String)> = if newest_first {
        query.order(sessions::started_at.desc()).load(conn).await?
    } else {
        query.order(sessions::started_at.asc()).load(conn).await?
    };
    Ok(rows
        .into_iter()
        .map(|(id, source, started_at, ended_at)| crate::read::SessionRow { id, source, started_at, ended_at })
        .collect())
}

pub(crate) async fn latest_round(conn: &mut Conn) -> Result<Option<RoundRow>, StoreError> {
    Ok(rounds::table
        .order((rounds::played_at.desc(), rounds::id.desc()))
        .select(RoundRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub(crate) async fn round_by_id(conn: &mut Conn, id: i64) -> Result<Option<RoundRow>, StoreError> {
    Ok(rounds::table.find(id).select(RoundRow::as_select()).first(conn).await.optional()?)
}

pub(crate) async fn link_discord(conn: &mut Conn, discord_user_id: &str, player_id: i64, now: &str) -> Result<(), StoreError> {
    use crate::schema::discord_links;
    diesel::insert_into(discord_links::table)
        .values((
            discord_links::discord_user_id.eq(discord_user_id),
            discord_links::player_id.eq(player_id),
            discord_links::linked_at.eq(now),
        ))
        .on_conflict(discord_links::discord_user_id)
        .do_update()
        .set((discord_links::player_id.eq(player_id), discord_links::linked_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn unlink_discord(conn: &mut Conn, discord_user_id: &str) -> Result<bool, StoreError> {
    use crate::schema::discord_links;
    Ok(diesel::delete(discord_links::table.find(discord_user_id)).execute(conn).await? > 0)
}

pub(crate) async fn linked_player(conn: &mut Conn, discord_user_id: &str) -> Result<Option<i64>, StoreError> {
    use crate::schema::discord_links;
    Ok(discord_links::table
        .find(discord_user_id)
        .select(discord_links::player_id)
        .first(conn)
        .await
        .optional()?)
}
