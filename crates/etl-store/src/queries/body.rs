// Included by `queries/mod.rs` into one module per backend, where `Conn` is
// that backend's connection type.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use etl_parser::{Player, Round, RoundNumber};

use crate::import::{FileInput, ImportOptions, ImportOutcome, Pairing};
use crate::models::{CUMULATIVE, ProcessedFile, ROUND_ONLY, RoundRow, StatsRow, WeaponRow};
use crate::schema::{player_names, player_round_stats, player_round_weapons, players, processed_files, round_files, rounds, sessions};
use crate::time::Stamp;
use crate::StoreError;

/// Imports one file; the caller runs this inside one transaction.
pub(crate) async fn import_file(conn: &mut Conn, file: &FileInput<'_>, options: &ImportOptions, now: &str) -> Result<ImportOutcome, StoreError> {
    let seen: Vec<ProcessedFile> = processed_files::table
        .filter(processed_files::file_name.eq(file.name))
        .select(ProcessedFile::as_select())
        .load(conn)
        .await?;
    let previous = seen.iter().find(|p| p.content_hash == file.hash);
    if previous.is_some_and(|p| p.success) {
        return Ok(ImportOutcome::AlreadyImported { file: file.name.to_owned() });
    }
    let attempts = previous.map_or(0, |p| p.attempts) + 1;
    if let Some(imported) = seen.iter().find(|p| p.success && p.content_hash != file.hash) {
        let error = format!(
            "{}: a file of this name was already imported with other content (sha256 {}); refusing to overwrite it",
            file.name, imported.content_hash
        );
        record(conn, file, now, Err(&error), attempts).await?;
        return Ok(ImportOutcome::Refused { file: file.name.to_owned(), error });
    }
    let round = match Round::parse_named(file.name, file.bytes) {
        Ok(round) if round.file.is_some() => round,
        Ok(_) => {
            let error = format!("{}: not a round file name (YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt)", file.name);
            record(conn, file, now, Err(&error), attempts).await?;
            return Ok(ImportOutcome::Failed { file: file.name.to_owned(), error });
        }
        Err(error) => {
            let error = error.to_string();
            record(conn, file, now, Err(&error), attempts).await?;
            return Ok(ImportOutcome::Failed { file: file.name.to_owned(), error });
        }
    };
    let (round_id, pairing, session_id) = store_round(conn, file, &round, options, now).await?;
    record(conn, file, now, Ok(round_id), attempts).await?;
    Ok(ImportOutcome::Imported {
        file: file.name.to_owned(),
        round_id,
        session_id,
        pairing,
    })
}

async fn record(conn: &mut Conn, file: &FileInput<'_>, now: &str, result: Result<i64, &str>, attempts: i32) -> Result<(), StoreError> {
    let row = ProcessedFile {
        file_name: file.name.to_owned(),
        content_hash: file.hash.to_owned(),
        processed_at: now.to_owned(),
        success: result.is_ok(),
        error: result.err().map(str::to_owned),
        attempts,
        round_id: result.ok(),
    };
    diesel::insert_into(processed_files::table)
        .values(&row)
        .on_conflict((processed_files::file_name, processed_files::content_hash))
        .do_update()
        .set((
            processed_files::processed_at.eq(&row.processed_at),
            processed_files::success.eq(row.success),
            processed_files::error.eq(&row.error),
            processed_files::attempts.eq(row.attempts),
            processed_files::round_id.eq(row.round_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn store_round(
    conn: &mut Conn,
    file: &FileInput<'_>,
    round: &Round,
    options: &ImportOptions,
    now: &str,
) -> Result<(i64, Pairing, String), StoreError> {
    let Some(file_name) = &round.file else {
        return Err(StoreError::Migration("unreachable: round without a file name".into()));
    };
    let played_at = Stamp::new(file_name.written_at);
    let mut player_ids = Vec::with_capacity(round.players.len());
    for player in &round.players {
        player_ids.push(player_id(conn, player, &played_at.text).await?);
    }

    let (round1, pairing) = match round.header.round {
        RoundNumber::One => (None, Pairing::Round1),
        RoundNumber::Two => match find_round1(conn, options, round, &played_at).await? {
            Some(round1) => (Some(round1), Pairing::Paired),
            None => (None, Pairing::Waiting),
        },
    };
    let round_only = match &round1 {
        Some((_, parsed)) => Some(Round::round_two_only(parsed, round).map_err(|source| StoreError::StoredRound {
            file: file.name.to_owned(),
            source,
        })?),
        None if round.header.round == RoundNumber::One => Some(round.clone()),
        None => None,
    };

    let h = &round.header;
    let new = crate::models::NewRound {
        file_name: file.name,
        content_hash: file.hash,
        source: &options.source,
        server_name: &h.server,
        map: &h.map,
        config: &h.config,
        round_number: i32::from(h.round.get()),
        played_at: &played_at.text,
        defender: h.defender.map(|s| s.as_str()),
        winner: h.winner.map(|s| s.as_str()),
        time_limit_s: i32::try_from(h.time_limit_s).unwrap_or(i32::MAX),
        actual_time_s: h.actual_time_s.and_then(|t| i32::try_from(t).ok()),
        duration_ms: h.duration_ms.and_then(|d| i64::try_from(d).ok()),
        header_fields: i32::try_from(h.field_count).unwrap_or_default(),
        session_id: None,
        round1_id: round1.as_ref().map(|(id, _)| *id),
        pairing: pairing.as_str(),
        round_only: round_only.is_some(),
        imported_at: now,
    };
    let round_id: i64 = diesel::insert_into(rounds::table)
        .values(&new)
        .returning(rounds::id)
        .get_result(conn)
        .await?;
    diesel::insert_into(round_files::table)
        .values((round_files::round_id.eq(round_id), round_files::content.eq(file.bytes)))
        .execute(conn)
        .await?;
    if round.header.round == RoundNumber::Two {
        insert_players(conn, round_id, CUMULATIVE, &round.players, &player_ids).await?;
    }
    if let Some(round_only) = &round_only {
        insert_players(conn, round_id, ROUND_ONLY, &round_only.players, &player_ids).await?;
    }
    if round.header.round == RoundNumber::One {
        complete_waiting_round2(conn, options, round_id, round, &played_at).await?;
    }
    let session_id = assign_session(conn, options, round_id, &played_at).await?;
    let finalized = finalize_stale_round2s(conn, options).await?;
    // Every file can change who played with whom: decide the squads again.
    detect_squads(conn, &session_id).await?;
    for other in finalized.into_iter().filter(|s| *s != session_id) {
        detect_squads(conn, &other).await?;
    }
    Ok((round_id, pairing, session_id))
}

async fn player_id(conn: &mut Conn, player: &Player, seen_at: &str) -> Result<i64, StoreError> {
    let bot_name = if player.is_bot() { player.name.clean() } else { String::new() };
    let name = player.name.raw().into_owned();
    let clean_name = player.name.clean();
    let existing: Option<(i64, String, String)> = players::table
        .filter(players::guid.eq(&player.guid).and(players::bot_name.eq(&bot_name)))
        .select((players::id, players::first_seen, players::last_seen))
        .first(conn)
        .await
        .optional()?;
    let id = match existing {
        Some((id, first_seen, last_seen)) => {
            if seen_at >= last_seen.as_str() {
                diesel::update(players::table.find(id))
                    .set((
                        players::last_name.eq(&name),
                        players::last_clean_name.eq(&clean_name),
                        players::last_seen.eq(seen_at),
                    ))
                    .execute(conn)
                    .await?;
            }
            if seen_at < first_seen.as_str() {
                diesel::update(players::table.find(id)).set(players::first_seen.eq(seen_at)).execute(conn).await?;
            }
            id
        }
        None => {
            diesel::insert_into(players::table)
                .values((
                    players::guid.eq(&player.guid),
                    players::bot_name.eq(&bot_name),
                    players::is_bot.eq(player.is_bot()),
                    players::last_name.eq(&name),
                    players::last_clean_name.eq(&clean_name),
                    players::first_seen.eq(seen_at),
                    players::last_seen.eq(seen_at),
                ))
                .returning(players::id)
                .get_result(conn)
                .await?
        }
    };
    let known: Option<(String, String)> = player_names::table
        .find((id, &name))
        .select((player_names::first_seen, player_names::last_seen))
        .first(conn)
        .await
        .optional()?;
    match known {
        Some((first_seen, last_seen)) => {
            diesel::update(player_names::table.find((id, &name)))
                .set((
                    player_names::times_seen.eq(player_names::times_seen + 1),
                    player_names::first_seen.eq(first_seen.as_str().min(seen_at)),
                    player_names::last_seen.eq(last_seen.as_str().max(seen_at)),
                ))
                .execute(conn)
                .await?;
        }
        None => {
            diesel::insert_into(player_names::table)
                .values((
                    player_names::player_id.eq(id),
                    player_names::name.eq(&name),
                    player_names::clean_name.eq(&clean_name),
                    player_names::first_seen.eq(seen_at),
                    player_names::last_seen.eq(seen_at),
                    player_names::times_seen.eq(1_i64),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(id)
}

async fn insert_players(conn: &mut Conn, round_id: i64, kind: &str, players: &[Player], ids: &[i64]) -> Result<(), StoreError> {
    let stats: Vec<StatsRow> = players
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(line, (player, id))| StatsRow::from_player(round_id, kind, line, *id, player))
        .collect();
    let weapons: Vec<WeaponRow> = players
        .iter()
        .enumerate()
        .flat_map(|(line, player)| WeaponRow::from_player(round_id, kind, line, player))
        .collect();
    insert_stats_rows(conn, &stats).await?;
    insert_weapon_rows(conn, &weapons).await?;
    Ok(())
}

async fn stored_round(conn: &mut Conn, row: &RoundRow) -> Result<Round, StoreError> {
    let content: Vec<u8> = round_files::table
        .find(row.id)
        .select(round_files::content)
        .first(conn)
        .await?;
    Round::parse_named(&row.file_name, &content).map_err(|source| StoreError::StoredRound {
        file: row.file_name.clone(),
        source,
    })
}

/// The round 1 of this round 2: same source and map, earlier, inside the
/// window, not yet paired; the header's tie (round 2's limit is round 1's
/// time) breaks ties, then the latest wins.
async fn find_round1(conn: &mut Conn, options: &ImportOptions, round2: &Round, played_at: &Stamp) -> Result<Option<(i64, Round)>, StoreError> {
    let earliest = played_at.minus_minutes(options.round2_window_min);
    let candidates: Vec<RoundRow> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::map.eq(&round2.header.map))
        .filter(rounds::round_number.eq(1))
        .filter(rounds::played_at.lt(&played_at.text))
        .filter(rounds::played_at.ge(&earliest))
        .order(rounds::played_at.desc())
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<i64> = candidates.iter().map(|r| r.id).collect();
    let taken: Vec<Option<i64>> = rounds::table
        .filter(rounds::round1_id.eq_any(&ids))
        .select(rounds::round1_id)
        .load(conn)
        .await?;
    let free: Vec<&RoundRow> = candidates.iter().filter(|r| !taken.contains(&Some(r.id))).collect();
    let limit = i32::try_from(round2.header.time_limit_s).ok();
    let chosen = free
        .iter()
        .find(|r| r.actual_time_s.is_some() && r.actual_time_s == limit)
        .or_else(|| <[_]>::first(&free));
    match chosen {
        Some(row) => {
            let row = (*row).clone();
            let parsed = stored_round(conn, &row).await?;
            Ok(Some((row.id, parsed)))
        }
        None => Ok(None),
    }
}

/// A round 1 that arrives after its round 2 completes it.
async fn complete_waiting_round2(conn: &mut Conn, options: &ImportOptions, round1_id: i64, round1: &Round, played_at: &Stamp) -> Result<(), StoreError> {
    let latest = played_at.plus_minutes(options.round2_window_min);
    let candidates: Vec<RoundRow> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::map.eq(&round1.header.map))
        .filter(rounds::round_number.eq(2))
        .filter(rounds::round1_id.is_null())
        .filter(rounds::played_at.gt(&played_at.text))
        .filter(rounds::played_at.le(&latest))
        .order(rounds::played_at.asc())
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
    let time = round1.header.actual_time_s.and_then(|t| i32::try_from(t).ok());
    let Some(row) = candidates
        .iter()
        .find(|r| time.is_some() && Some(r.time_limit_s) == time)
        .or_else(|| <[_]>::first(&candidates))
        .cloned()
    else {
        return Ok(());
    };
    let round2 = stored_round(conn, &row).await?;
    let round_only = Round::round_two_only(round1, &round2).map_err(|source| StoreError::StoredRound {
        file: row.file_name.clone(),
        source,
    })?;
    replace_round_only(conn, row.id, &round_only).await?;
    diesel::update(rounds::table.find(row.id))
        .set((
            rounds::round1_id.eq(Some(round1_id)),
            rounds::pairing.eq(Pairing::Paired.as_str()),
            rounds::round_only.eq(true),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes (or rewrites) a round 2's round-only rows; player ids come from its cumulative rows.
async fn replace_round_only(conn: &mut Conn, round_id: i64, round: &Round) -> Result<(), StoreError> {
    let ids: Vec<(i32, i64)> = player_round_stats::table
        .filter(player_round_stats::round_id.eq(round_id).and(player_round_stats::kind.eq(CUMULATIVE)))
        .order(player_round_stats::line_index.asc())
        .select((player_round_stats::line_index, player_round_stats::player_id))
        .load(conn)
        .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(_, id)| id).collect();
    diesel::delete(player_round_weapons::table.filter(player_round_weapons::round_id.eq(round_id).and(player_round_weapons::kind.eq(ROUND_ONLY))))
        .execute(conn)
        .await?;
    diesel::delete(player_round_stats::table.filter(player_round_stats::round_id.eq(round_id).and(player_round_stats::kind.eq(ROUND_ONLY))))
        .execute(conn)
        .await?;
    insert_players(conn, round_id, ROUND_ONLY, &round.players, &ids).await
}

/// A round 2 whose round 1 has not come within the window is stored from its
/// cumulative values and flagged `unpaired` (a round 1 arriving later still completes it).
async fn finalize_stale_round2s(conn: &mut Conn, options: &ImportOptions) -> Result<Vec<String>, StoreError> {
    let newest: Option<String> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .select(diesel::dsl::max(rounds::played_at))
        .first(conn)
        .await?;
    let Some(newest) = newest.as_deref().and_then(Stamp::parse) else {
        return Ok(Vec::new());
    };
    let cutoff = newest.minus_minutes(options.round2_window_min);
    let stale: Vec<RoundRow> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::pairing.eq(Pairing::Waiting.as_str()))
        .filter(rounds::played_at.lt(&cutoff))
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
    let mut sessions = Vec::new();
    for row in stale {
        let round = stored_round(conn, &row).await?;
        replace_round_only(conn, row.id, &round).await?;
        diesel::update(rounds::table.find(row.id))
            .set(rounds::pairing.eq(Pairing::Unpaired.as_str()))
            .execute(conn)
            .await?;
        sessions.extend(row.session_id);
    }
    Ok(sessions)
}

/// Puts the round into the session of its neighbours (gap below the limit),
/// merging or renaming sessions when a round fills a gap or comes first.
async fn assign_session(conn: &mut Conn, options: &ImportOptions, round_id: i64, played_at: &Stamp) -> Result<String, StoreError> {
    let gap_start = played_at.minus_minutes(options.session_gap_min);
    let gap_end = played_at.plus_minutes(options.session_gap_min);
    let previous: Option<(String, Option<String>)> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::id.ne(round_id))
        .filter(rounds::played_at.le(&played_at.text))
        .filter(rounds::played_at.gt(&gap_start))
        .order(rounds::played_at.desc())
        .select((rounds::played_at, rounds::session_id))
        .first(conn)
        .await
        .optional()?;
    let next: Option<(String, Option<String>)> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::id.ne(round_id))
        .filter(rounds::played_at.gt(&played_at.text))
        .filter(rounds::played_at.lt(&gap_end))
        .order(rounds::played_at.asc())
        .select((rounds::played_at, rounds::session_id))
        .first(conn)
        .await
        .optional()?;
    let previous_session = previous.and_then(|(_, s)| s);
    let next_session = next.and_then(|(_, s)| s);
    let session_id = match (previous_session, next_session) {
        (Some(previous), Some(next)) if previous != next => {
            move_session(conn, &next, &previous).await?;
            previous
        }
        (Some(previous), _) => previous,
        (None, Some(next)) => {
            // This round now opens the session, whose id is its first round's time.
            let id = played_at.session_id();
            create_session(conn, &id, &options.source, played_at).await?;
            move_session(conn, &next, &id).await?;
            id
        }
        (None, None) => {
            let id = played_at.session_id();
            create_session(conn, &id, &options.source, played_at).await?;
            id
        }
    };
    diesel::update(rounds::table.find(round_id))
        .set(rounds::session_id.eq(&session_id))
        .execute(conn)
        .await?;
    refresh_session_bounds(conn, &session_id).await?;
    Ok(session_id)
}

async fn create_session(conn: &mut Conn, id: &str, source: &str, played_at: &Stamp) -> Result<(), StoreError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::source.eq(source),
            sessions::started_at.eq(&played_at.text),
            sessions::ended_at.eq(&played_at.text),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

async fn move_session(conn: &mut Conn, from: &str, to: &str) -> Result<(), StoreError> {
    diesel::update(rounds::table.filter(rounds::session_id.eq(from)))
        .set(rounds::session_id.eq(to))
        .execute(conn)
        .await?;
    // Team rows of the old session are rebuilt by detection for the merged one.
    diesel::delete(crate::schema::session_teams::table.filter(crate::schema::session_teams::session_id.eq(from)))
        .execute(conn)
        .await?;
    diesel::delete(crate::schema::team_history::table.filter(crate::schema::team_history::session_id.eq(from)))
        .execute(conn)
        .await?;
    diesel::delete(sessions::table.find(from)).execute(conn).await?;
    Ok(())
}

/// A session starts when its first round started (its file is written at the
/// end) and ends when its last file was written.
async fn refresh_session_bounds(conn: &mut Conn, session_id: &str) -> Result<(), StoreError> {
    let first: Option<(String, Option<i64>, Option<i32>, i32)> = rounds::table
        .filter(rounds::session_id.eq(session_id))
        .order(rounds::played_at.asc())
        .select((rounds::played_at, rounds::duration_ms, rounds::actual_time_s, rounds::time_limit_s))
        .first(conn)
        .await
        .optional()?;
    let last: Option<String> = rounds::table
        .filter(rounds::session_id.eq(session_id))
        .select(diesel::dsl::max(rounds::played_at))
        .first(conn)
        .await?;
    let (Some((first_at, duration_ms, actual_time_s, time_limit_s)), Some(last)) = (first, last) else {
        return Ok(());
    };
    let length_s = duration_ms
        .map(|ms| ms / 1000)
        .or(actual_time_s.map(i64::from))
        .unwrap_or(i64::from(time_limit_s));
    let started = Stamp::parse(&first_at).map_or(first_at.clone(), |s| s.minus_seconds(length_s));
    diesel::update(sessions::table.find(session_id))
        .set((sessions::started_at.eq(started), sessions::ended_at.eq(last)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Everything a stored round holds, players in file order.
pub(crate) async fn load_round_players(conn: &mut Conn, round_id: i64, kind: &str) -> Result<Vec<(String, StatsRow, Vec<WeaponRow>)>, StoreError> {
    let rows: Vec<(StatsRow, String)> = player_round_stats::table
        .inner_join(players::table)
        .filter(player_round_stats::round_id.eq(round_id).and(player_round_stats::kind.eq(kind)))
        .order(player_round_stats::line_index.asc())
        .select((StatsRow::as_select(), players::guid))
        .load(conn)
        .await?;
    let weapons: Vec<WeaponRow> = player_round_weapons::table
        .filter(player_round_weapons::round_id.eq(round_id).and(player_round_weapons::kind.eq(kind)))
        .select(WeaponRow::as_select())
        .load(conn)
        .await?;
    let mut by_line: HashMap<i32, Vec<WeaponRow>> = HashMap::new();
    for weapon in weapons {
        by_line.entry(weapon.line_index).or_default().push(weapon);
    }
    Ok(rows
        .into_iter()
        .map(|(row, guid)| {
            let weapons = by_line.remove(&row.line_index).unwrap_or_default();
            (guid, row, weapons)
        })
        .collect())
}

pub(crate) async fn sessions_in_order(conn: &mut Conn) -> Result<Vec<(String, String, String, String)>, StoreError> {
    Ok(sessions::table
        .order(sessions::started_at.asc())
        .select((sessions::id, sessions::source, sessions::started_at, sessions::ended_at))
        .load(conn)
        .await?)
}

pub(crate) async fn rounds_of_session(conn: &mut Conn, session_id: &str) -> Result<Vec<RoundRow>, StoreError> {
    Ok(rounds::table
        .filter(rounds::session_id.eq(session_id))
        .order((rounds::played_at.asc(), rounds::file_name.asc()))
        .select(RoundRow::as_select())
        .load(conn)
        .await?)
}

pub(crate) async fn count_rows(conn: &mut Conn) -> Result<Vec<(&'static str, i64)>, StoreError> {
    Ok(vec![
        ("sessions", sessions::table.count().get_result(conn).await?),
        ("rounds", rounds::table.count().get_result(conn).await?),
        ("players", players::table.count().get_result(conn).await?),
        ("player_names", player_names::table.count().get_result(conn).await?),
        ("player_round_stats", player_round_stats::table.count().get_result(conn).await?),
        ("player_round_weapons", player_round_weapons::table.count().get_result(conn).await?),
        ("processed_files", processed_files::table.count().get_result(conn).await?),
        (
            "failed_files",
            processed_files::table.filter(processed_files::success.eq(false)).count().get_result(conn).await?,
        ),
    ])
}

pub(crate) async fn played_range(conn: &mut Conn) -> Result<(Option<String>, Option<String>), StoreError> {
    Ok(rounds::table
        .select((diesel::dsl::min(rounds::played_at), diesel::dsl::max(rounds::played_at)))
        .first(conn)
        .await?)
}

pub(crate) async fn processed_files_list(conn: &mut Conn) -> Result<Vec<ProcessedFile>, StoreError> {
    Ok(processed_files::table
        .order((processed_files::processed_at.desc(), processed_files::file_name.asc()))
        .select(ProcessedFile::as_select())
        .load(conn)
        .await?)
}


/// Runs the squad detector over a session's round-only rows and stores what it
/// decided: each row's squad, confidence and layer, the rosters and each
/// player's squad of the night (the history later sessions learn from).
async fn detect_squads(conn: &mut Conn, session_id: &str) -> Result<(), StoreError> {
    use crate::schema::{session_teams, team_history};
    use etl_teams::{Confidence, PlayerKey, SessionInput};

    let mut parsed: Vec<(i64, Vec<StatsRow>, Round)> = Vec::new();
    for row in rounds_of_session(conn, session_id).await? {
        if row.pairing == Pairing::Waiting.as_str() {
            continue;
        }
        let players = load_round_players(conn, row.id, ROUND_ONLY).await?;
        let stats: Vec<StatsRow> = players.iter().map(|(_, stats, _)| stats.clone()).collect();
        let players: Vec<Player> = players.iter().map(|(guid, stats, weapons)| stats.to_player(guid, weapons)).collect();
        // An unpaired round 2 holds both rounds' values; its sides are still evidence.
        parsed.push((row.id, stats, Round::from_parts(None, crate::models::header_of(&row), true, players)));
    }
    let teams_error = |source| StoreError::Teams { session: session_id.to_owned(), source };
    let mut input = SessionInput::from_rounds(parsed.iter().map(|(_, _, round)| round)).map_err(teams_error)?;

    // Which key each player has tonight, and his database id.
    let mut ids: HashMap<PlayerKey, i64> = HashMap::new();
    for (round_input, (_, stats, _)) in input.rounds.iter().zip(&parsed) {
        for (player, row) in round_input.players.iter().zip(stats) {
            ids.insert(player.key.clone(), row.player_id);
        }
    }
    input = input.clone().with_prior(prior_assignments(conn, session_id, &ids).await?);
    let detection = etl_teams::detect(&input).map_err(teams_error)?;

    let mut night: HashMap<i64, HashMap<&'static str, (usize, Confidence)>> = HashMap::new();
    for (assignments, (round_id, stats, _)) in detection.rounds.iter().zip(&parsed) {
        for (assignment, row) in assignments.players.iter().zip(stats) {
            let squad = assignment.squad.map(|s| s.as_str().to_owned());
            let confidence = Some(confidence_name(assignment.confidence).to_owned());
            let layer = Some(layer_name(assignment.layer).to_owned());
            if let Some(squad) = assignment.squad {
                let entry = night.entry(row.player_id).or_default().entry(squad.as_str()).or_insert((0, assignment.confidence));
                entry.0 += 1;
                entry.1 = entry.1.min(assignment.confidence);
            }
            if row.squad == squad && row.team_confidence == confidence && row.team_layer == layer {
                continue;
            }
            diesel::update(
                player_round_stats::table
                    .filter(player_round_stats::round_id.eq(*round_id))
                    .filter(player_round_stats::kind.eq(ROUND_ONLY))
                    .filter(player_round_stats::line_index.eq(row.line_index)),
            )
            .set((
                player_round_stats::squad.eq(squad),
                player_round_stats::team_confidence.eq(confidence),
                player_round_stats::team_layer.eq(layer),
            ))
            .execute(conn)
            .await?;
        }
    }

    diesel::delete(session_teams::table.filter(session_teams::session_id.eq(session_id))).execute(conn).await?;
    diesel::delete(team_history::table.filter(team_history::session_id.eq(session_id))).execute(conn).await?;
    for (squad, roster) in [("A", &detection.rosters.a), ("B", &detection.rosters.b)] {
        let mut members: Vec<i64> = roster.iter().filter_map(|entry| ids.get(&entry.key).copied()).collect();
        members.sort_unstable();
        members.dedup();
        for player_id in members {
            diesel::insert_into(session_teams::table)
                .values((
                    session_teams::session_id.eq(session_id),
                    session_teams::squad.eq(squad),
                    session_teams::player_id.eq(player_id),
                ))
                .execute(conn)
                .await?;
        }
    }
    let mut players: Vec<_> = night.into_iter().collect();
    players.sort_by_key(|(id, _)| *id);
    for (player_id, squads) in players {
        // His squad of the night is where he played most.
        let Some((squad, (rounds, confidence))) = squads.into_iter().max_by_key(|(squad, (rounds, _))| (*rounds, *squad)) else {
            continue;
        };
        diesel::insert_into(team_history::table)
            .values((
                team_history::session_id.eq(session_id),
                team_history::player_id.eq(player_id),
                team_history::squad.eq(squad),
                team_history::confidence.eq(confidence_name(confidence)),
                team_history::rounds_played.eq(i32::try_from(rounds).unwrap_or(i32::MAX)),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What the last sessions these players played say about who plays with whom.
async fn prior_assignments(
    conn: &mut Conn,
    session_id: &str,
    ids: &HashMap<etl_teams::PlayerKey, i64>,
) -> Result<Vec<etl_teams::PriorAssignment>, StoreError> {
    use crate::schema::team_history;
    let keys: HashMap<i64, &etl_teams::PlayerKey> = ids.iter().map(|(key, id)| (*id, key)).collect();
    let player_ids: Vec<i64> = keys.keys().copied().collect();
    let mut earlier: Vec<String> = team_history::table
        .filter(team_history::player_id.eq_any(&player_ids))
        .filter(team_history::session_id.lt(session_id))
        .select(team_history::session_id)
        .distinct()
        .load(conn)
        .await?;
    earlier.sort();
    let earlier: Vec<String> = earlier.into_iter().rev().take(20).collect();
    let rows: Vec<(String, i64, String, i32)> = team_history::table
        .filter(team_history::session_id.eq_any(&earlier))
        .filter(team_history::player_id.eq_any(&player_ids))
        .select((team_history::session_id, team_history::player_id, team_history::squad, team_history::rounds_played))
        .load(conn)
        .await?;
    let mut squads: HashMap<(String, String), Vec<(i64, i32)>> = HashMap::new();
    for (session, player, squad, rounds) in rows {
        squads.entry((session, squad)).or_default().push((player, rounds));
    }
    let mut prior = Vec::new();
    for members in squads.values() {
        for (player, rounds) in members {
            let Some(key) = keys.get(player) else { continue };
            let mates: Vec<etl_teams::PlayerKey> = members
                .iter()
                .filter(|(other, _)| other != player)
                .filter_map(|(other, _)| keys.get(other).map(|k| (*k).clone()))
                .collect();
            if !mates.is_empty() {
                prior.push(etl_teams::PriorAssignment {
                    player: (*key).clone(),
                    squad_mates: mates,
                    weight: f64::from(*rounds),
                });
            }
        }
    }
    prior.sort_by(|a, b| a.player.as_str().cmp(b.player.as_str()));
    Ok(prior)
}

fn confidence_name(confidence: etl_teams::Confidence) -> &'static str {
    match confidence {
        etl_teams::Confidence::High => "high",
        etl_teams::Confidence::Medium => "medium",
        etl_teams::Confidence::Low => "low",
    }
}

fn layer_name(layer: etl_teams::Layer) -> &'static str {
    match layer {
        etl_teams::Layer::SideEvidence => "side_evidence",
        etl_teams::Layer::History => "history",
        etl_teams::Layer::Objectives => "objectives",
        etl_teams::Layer::Collaboration => "collaboration",
        etl_teams::Layer::Balance => "balance",
        etl_teams::Layer::Excluded => "excluded",
    }
}
