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
    if let Some(sessions) = &filter.sessions {
        query = query.filter(rounds::session_id.eq_any(sessions.clone()));
    }
    if let Some(map) = &filter.map {
        query = query.filter(rounds::map.eq(map.clone()));
    }
    if !filter.include_bots {
        query = query.filter(players::is_bot.eq(false));
    }
    let rows: Vec<(RoundRow, PlayerRow, StatsRow)> = match filter.newest {
        Some(newest) => {
            let mut rows: Vec<(RoundRow, PlayerRow, StatsRow)> = query
                .order((rounds::played_at.desc(), rounds::id.desc(), player_round_stats::line_index.desc()))
                .limit(i64::try_from(newest).unwrap_or(i64::MAX))
                .load(conn)
                .await?;
            rows.reverse();
            rows
        }
        None => query.order((rounds::played_at.asc(), rounds::id.asc(), player_round_stats::line_index.asc())).load(conn).await?,
    };
    Ok(rows
        .into_iter()
        .map(|(round, player, stats)| crate::read::PlayerRecord { round, player, stats })
        .collect())
}

/// Per player, the sums of his `player_session_totals` rows wholly inside `[from, to)`.
pub(crate) async fn summed_totals(
    conn: &mut Conn,
    from: Option<&str>,
    to: Option<&str>,
    include_bots: bool,
) -> Result<Vec<crate::read::SummedTotals>, StoreError> {
    use diesel::sql_types::Text;
    // Sums of sums; the best and worst sprees are the highest of each session's.
    let sums: Vec<String> = SUMMED_COLUMNS
        .iter()
        .map(|c| match *c {
            "best_spree" | "worst_death_spree" => format!("MAX(t.{c}) AS {c}"),
            _ => format!("CAST(SUM(t.{c}) AS BIGINT) AS {c}"),
        })
        .collect();
    let select = format!(
        "SELECT t.player_id AS player_id, p.last_clean_name AS name, COUNT(*) AS sessions, \
         CAST(SUM(t.rounds) AS BIGINT) AS rounds, {} FROM player_session_totals t JOIN players p ON p.id = t.player_id",
        sums.join(", ")
    );
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    if let Some(from) = from {
        binds.push(from);
        conditions.push(format!("t.first_played >= {}", param(binds.len())));
    }
    if let Some(to) = to {
        binds.push(to);
        conditions.push(format!("t.last_played < {}", param(binds.len())));
    }
    if !include_bots {
        conditions.push("NOT p.is_bot".to_owned());
    }
    let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let sql = format!("{select}{filter} GROUP BY t.player_id, p.last_clean_name ORDER BY t.player_id");
    let mut query = diesel::sql_query(sql).into_boxed();
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    Ok(query.load(conn).await?)
}

/// The round-only rows in `[from, to)` that [`summed_totals`] leaves out: those
/// of a player's session cut by an end of the window, and of rounds without a
/// session.
pub(crate) async fn unsummed_records(
    conn: &mut Conn,
    from: Option<&str>,
    to: Option<&str>,
    include_bots: bool,
) -> Result<Vec<crate::read::PlayerRecord>, StoreError> {
    use crate::models::PlayerRow;
    use crate::schema::player_session_totals as totals;
    let mut cut = totals::table.select((totals::session_id, totals::player_id)).into_boxed();
    match (from, to) {
        (None, None) => cut = cut.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")),
        (Some(from), None) => cut = cut.filter(totals::last_played.ge(from.to_owned())).filter(totals::first_played.lt(from.to_owned())),
        (None, Some(to)) => cut = cut.filter(totals::first_played.lt(to.to_owned())).filter(totals::last_played.ge(to.to_owned())),
        (Some(from), Some(to)) => {
            cut = cut
                .filter(totals::last_played.ge(from.to_owned()))
                .filter(totals::first_played.lt(to.to_owned()))
                .filter(totals::first_played.lt(from.to_owned()).or(totals::last_played.ge(to.to_owned())));
        }
    }
    let cut: std::collections::HashSet<(String, i64)> = cut.load::<(String, i64)>(conn).await?.into_iter().collect();
    let mut sessions: Vec<&str> = cut.iter().map(|(session, _)| session.as_str()).collect();
    sessions.sort_unstable();
    sessions.dedup();
    // The rounds first (few: the cut sessions), then their rows by key.
    let mut round_ids = rounds::table
        .filter(rounds::session_id.is_null().or(rounds::session_id.eq_any(sessions)))
        .select(rounds::id)
        .into_boxed();
    if let Some(from) = from {
        round_ids = round_ids.filter(rounds::played_at.ge(from.to_owned()));
    }
    if let Some(to) = to {
        round_ids = round_ids.filter(rounds::played_at.lt(to.to_owned()));
    }
    let round_ids: Vec<i64> = round_ids.load(conn).await?;
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = player_round_stats::table
        .inner_join(rounds::table)
        .inner_join(players::table)
        .filter(player_round_stats::kind.eq(ROUND_ONLY))
        .filter(player_round_stats::round_id.eq_any(round_ids))
        .select((RoundRow::as_select(), PlayerRow::as_select(), StatsRow::as_select()))
        .into_boxed();
    if !include_bots {
        query = query.filter(players::is_bot.eq(false));
    }
    let rows: Vec<(RoundRow, PlayerRow, StatsRow)> = query
        .order((rounds::played_at.asc(), rounds::id.asc(), player_round_stats::line_index.asc()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(round, player, _)| match &round.session_id {
            None => true,
            Some(session) => cut.contains(&(session.clone(), player.id)),
        })
        .map(|(round, player, stats)| crate::read::PlayerRecord { round, player, stats })
        .collect())
}

pub(crate) async fn weapon_rows(conn: &mut Conn, round_ids: &[i64], player_ids: &[i64]) -> Result<Vec<WeaponRow>, StoreError> {
    let mut out = Vec::new();
    // Bounded IN lists: SQLite caps bound parameters per statement.
    for chunk in round_ids.chunks(900) {
        // Only the asked players' lines: a round holds a dozen players' weapons.
        let theirs = player_round_stats::table
            .filter(player_round_stats::round_id.eq(player_round_weapons::round_id))
            .filter(player_round_stats::kind.eq(player_round_weapons::kind))
            .filter(player_round_stats::line_index.eq(player_round_weapons::line_index))
            .filter(player_round_stats::player_id.eq_any(player_ids));
        let rows: Vec<WeaponRow> = player_round_weapons::table
            .filter(player_round_weapons::kind.eq(ROUND_ONLY))
            .filter(player_round_weapons::round_id.eq_any(chunk))
            .filter(diesel::dsl::exists(theirs))
            .select(WeaponRow::as_select())
            .load(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// `AND r.played_at >= .. AND r.played_at < ..` for the bounds given, with
/// their binds after `bound` earlier ones.
fn played_between<'a>(from: Option<&'a str>, to: Option<&'a str>, bound: usize) -> (String, Vec<&'a str>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    if let Some(from) = from {
        binds.push(from);
        sql.push_str(&format!(" AND r.played_at >= {}", param(bound + binds.len())));
    }
    if let Some(to) = to {
        binds.push(to);
        sql.push_str(&format!(" AND r.played_at < {}", param(bound + binds.len())));
    }
    (sql, binds)
}

/// The sums of a group of round-only rows `s` (joined with their round `r`),
/// named as [`crate::read::SummedTotals`]' fields, added up as the per-session
/// totals add them.
fn row_sums() -> String {
    let columns: Vec<String> = SUMMED_COLUMNS.iter().map(|c| format!("{} AS {c}", raw_sum(c))).collect();
    columns.join(", ")
}

pub(crate) async fn player_sums(
    conn: &mut Conn,
    player: i64,
    from: Option<&str>,
    to: Option<&str>,
    by: crate::read::SumBy,
) -> Result<Vec<crate::read::GroupSums>, StoreError> {
    use crate::read::SumBy;
    use diesel::sql_types::{BigInt, Text};
    let key = match by {
        SumBy::Window => None,
        SumBy::Session => Some("COALESCE(r.session_id, SUBSTR(r.played_at, 1, 10))"),
        SumBy::Map => Some("r.map"),
        SumBy::Day => Some("SUBSTR(r.played_at, 1, 10)"),
    };
    let (window, binds) = played_between(from, to, 1);
    let sql = format!(
        "SELECT {} AS key, CAST(COUNT(DISTINCT r.map) AS BIGINT) AS maps, \
         MIN(r.played_at) AS first_played, MAX(r.played_at) AS last_played, \
         s.player_id AS player_id, p.last_clean_name AS name, \
         CAST(COUNT(DISTINCT r.session_id) AS BIGINT) AS sessions, CAST(COUNT(*) AS BIGINT) AS rounds, {} \
         FROM player_round_stats s JOIN rounds r ON r.id = s.round_id JOIN players p ON p.id = s.player_id \
         WHERE s.player_id = {} AND s.kind = '{ROUND_ONLY}'{window} \
         GROUP BY {}s.player_id, p.last_clean_name ORDER BY first_played, key",
        key.unwrap_or("CAST('' AS TEXT)"),
        row_sums(),
        param(1),
        key.map(|k| format!("{k}, ")).unwrap_or_default(),
    );
    let mut query = diesel::sql_query(sql).into_boxed().bind::<BigInt, _>(player);
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    Ok(query.load(conn).await?)
}

pub(crate) async fn weapon_sums(conn: &mut Conn, player: i64, from: Option<&str>, to: Option<&str>) -> Result<Vec<crate::read::WeaponSums>, StoreError> {
    use diesel::sql_types::{BigInt, Text};
    let (window, binds) = played_between(from, to, 1);
    let sql = format!(
        "SELECT w.weapon AS weapon, CAST(SUM(w.kills) AS BIGINT) AS kills, CAST(SUM(w.deaths) AS BIGINT) AS deaths, \
         CAST(SUM(w.hits) AS BIGINT) AS hits, CAST(SUM(w.shots) AS BIGINT) AS shots, CAST(SUM(w.headshots) AS BIGINT) AS headshots \
         FROM player_round_stats s JOIN rounds r ON r.id = s.round_id \
         JOIN player_round_weapons w ON w.round_id = s.round_id AND w.kind = s.kind AND w.line_index = s.line_index \
         WHERE s.player_id = {} AND s.kind = '{ROUND_ONLY}'{window} \
         GROUP BY w.weapon ORDER BY kills DESC, hits DESC, w.weapon",
        param(1)
    );
    let mut query = diesel::sql_query(sql).into_boxed().bind::<BigInt, _>(player);
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    Ok(query.load(conn).await?)
}

pub(crate) async fn met_sums(conn: &mut Conn, player: i64, from: Option<&str>, to: Option<&str>) -> Result<Vec<crate::read::MetSums>, StoreError> {
    use diesel::sql_types::{BigInt, Text};
    let (window, binds) = played_between(from, to, 1);
    // A round with no winner counts as neither a win nor a loss, as in the
    // commands' own sums.
    let sql = format!(
        "SELECT o.player_id AS player_id, p.last_clean_name AS name, \
         CAST(CASE WHEN o.team = s.team THEN 1 ELSE 0 END AS BIGINT) AS same_side, \
         CAST(COUNT(*) AS BIGINT) AS rounds, \
         CAST(SUM(CASE WHEN r.winner = s.team THEN 1 ELSE 0 END) AS BIGINT) AS wins, \
         CAST(SUM(CASE WHEN r.winner IS NOT NULL AND r.winner <> s.team THEN 1 ELSE 0 END) AS BIGINT) AS losses, \
         CAST(SUM(s.kills) AS BIGINT) AS kills, CAST(SUM(s.deaths) AS BIGINT) AS deaths, \
         CAST(SUM(o.kills) AS BIGINT) AS their_kills, CAST(SUM(o.deaths) AS BIGINT) AS their_deaths \
         FROM player_round_stats s JOIN rounds r ON r.id = s.round_id \
         JOIN player_round_stats o ON o.round_id = s.round_id AND o.kind = s.kind \
         JOIN players p ON p.id = o.player_id \
         WHERE s.player_id = {} AND s.kind = '{ROUND_ONLY}'{window} \
         AND s.team IN ('axis', 'allies') AND o.team IN ('axis', 'allies') \
         AND o.player_id <> s.player_id AND NOT p.is_bot \
         GROUP BY o.player_id, p.last_clean_name, CASE WHEN o.team = s.team THEN 1 ELSE 0 END \
         ORDER BY o.player_id, same_side",
        param(1)
    );
    let mut query = diesel::sql_query(sql).into_boxed().bind::<BigInt, _>(player);
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    Ok(query.load(conn).await?)
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
