// Included by `queries/mod.rs` into one module per backend, where `Conn` is
// that backend's connection type.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use etl_parser::{Player, Round, RoundNumber};

use crate::import::{FileInput, ImportOptions, ImportOutcome, Pairing};
use crate::models::{CUMULATIVE, DetectionRow, ProcessedFile, ROUND_ONLY, RoundRow, StatsRow, WeaponRow};
use crate::schema::{player_names, player_round_stats, player_round_weapons, players, processed_files, round_files, rounds, sessions};
use crate::time::Stamp;
use crate::StoreError;

/// Imports one file; the caller runs this inside one transaction.
pub(crate) async fn import_file(conn: &mut Conn, file: &FileInput<'_>, options: &ImportOptions, now: &str) -> Result<ImportOutcome, StoreError> {
    let (mut outcomes, error) = import_files(conn, std::slice::from_ref(file), options, now).await?;
    match (error, outcomes.pop()) {
        (Some(error), _) => Err(error),
        (None, Some(outcome)) => Ok(outcome),
        (None, None) => Err(StoreError::Migration("unreachable: a file without an outcome".into())),
    }
}

/// What is left to do after a file landed: the sessions whose squads must be
/// decided again, in order.
enum Owed {
    /// Nothing new (the file was not stored as a round).
    Nothing,
    /// Detection of this session, which may wait for the next file.
    Session(String),
    /// Everything was done with the file.
    Done,
}

/// Imports files in order inside the caller's transaction, each in a
/// savepoint of its own: all of a file lands, or none of it. Returns the
/// outcomes and, when a file failed with a database error, that error (the
/// files before it stay imported, the rest are not tried).
///
/// Squad detection re-reads its whole session, so running it after every
/// file of a run of files of one session repeats work whose result the next
/// file's detection replaces. It is owed instead, and run before anything
/// that could see it: nothing an import reads is written by detection except
/// the squad history a later session's detection reads. So a file whose
/// first detection is another session's goes back to its savepoint, the owed
/// detection runs, and the file is imported again; a file that finalizes
/// round 2s of other sessions settles everything at once; the last owed
/// detection runs at the end. The database ends exactly as it would with one
/// transaction and every detection per file.
pub(crate) async fn import_files(
    conn: &mut Conn,
    files: &[FileInput<'_>],
    options: &ImportOptions,
    now: &str,
) -> Result<(Vec<ImportOutcome>, Option<StoreError>), StoreError> {
    take_write_lock(conn).await?;
    let mut owed: Option<String> = None;
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        loop {
            let attempt = conn
                .transaction(async |conn| {
                    let (outcome, detect) = import_one(conn, file, options, now).await?;
                    match (owed.as_deref(), <[_]>::first(&detect)) {
                        // The owed detection must run before this file: roll the file back.
                        (Some(owed), Some(first)) if owed != first.as_str() => {
                            return Err(StoreError::Query(diesel::result::Error::RollbackTransaction));
                        }
                        _ => {}
                    }
                    let next = match detect.as_slice() {
                        [] => Owed::Nothing,
                        [session] => Owed::Session(session.clone()),
                        sessions => {
                            for session in sessions {
                                detect_squads(conn, session).await?;
                            }
                            Owed::Done
                        }
                    };
                    Ok((outcome, next))
                })
                .await;
            match attempt {
                Ok((outcome, next)) => {
                    match next {
                        Owed::Nothing => {}
                        Owed::Session(session) => owed = Some(session),
                        Owed::Done => owed = None,
                    }
                    outcomes.push(outcome);
                    break;
                }
                Err(StoreError::Query(diesel::result::Error::RollbackTransaction)) => {
                    if let Some(session) = owed.take() {
                        detect_squads(conn, &session).await?;
                    }
                }
                Err(error) => {
                    if let Some(session) = owed.take() {
                        detect_squads(conn, &session).await?;
                    }
                    return Ok((outcomes, Some(error)));
                }
            }
        }
    }
    if let Some(session) = owed.take() {
        detect_squads(conn, &session).await?;
    }
    Ok((outcomes, None))
}

/// Imports one file without deciding squads; returns the outcome and the
/// sessions whose squads must be decided again, in order.
async fn import_one(conn: &mut Conn, file: &FileInput<'_>, options: &ImportOptions, now: &str) -> Result<(ImportOutcome, Vec<String>), StoreError> {
    let seen: Vec<ProcessedFile> = processed_files::table
        .filter(processed_files::file_name.eq(file.name))
        .select(ProcessedFile::as_select())
        .load(conn)
        .await?;
    let previous = seen.iter().find(|p| p.content_hash == file.hash);
    if previous.is_some_and(|p| p.success) {
        return Ok((ImportOutcome::AlreadyImported { file: file.name.to_owned() }, Vec::new()));
    }
    let attempts = previous.map_or(0, |p| p.attempts) + 1;
    if let Some(imported) = seen.iter().find(|p| p.success && p.content_hash != file.hash) {
        let error = format!(
            "{}: a file of this name was already imported with other content (sha256 {}); refusing to overwrite it",
            file.name, imported.content_hash
        );
        record(conn, file, now, Err(&error), attempts).await?;
        return Ok((ImportOutcome::Refused { file: file.name.to_owned(), error }, Vec::new()));
    }
    let round = match Round::parse_named(file.name, file.bytes) {
        Ok(round) if round.file.is_some() => round,
        Ok(_) => {
            let error = format!("{}: not a round file name (YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt)", file.name);
            record(conn, file, now, Err(&error), attempts).await?;
            return Ok((ImportOutcome::Failed { file: file.name.to_owned(), error }, Vec::new()));
        }
        Err(error) => {
            let error = error.to_string();
            record(conn, file, now, Err(&error), attempts).await?;
            return Ok((ImportOutcome::Failed { file: file.name.to_owned(), error }, Vec::new()));
        }
    };
    let (round_id, pairing, session_id, detect) = store_round(conn, file, &round, options, now).await?;
    record(conn, file, now, Ok(round_id), attempts).await?;
    if options.announce {
        diesel::insert_into(crate::schema::round_announcements::table)
            .values((
                crate::schema::round_announcements::round_id.eq(round_id),
                crate::schema::round_announcements::queued_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    let outcome = ImportOutcome::Imported {
        file: file.name.to_owned(),
        round_id,
        session_id,
        pairing,
    };
    Ok((outcome, detect))
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
) -> Result<(i64, Pairing, String, Vec<String>), StoreError> {
    let Some(file_name) = &round.file else {
        return Err(StoreError::Migration("unreachable: round without a file name".into()));
    };
    let played_at = Stamp::new(file_name.written_at);
    let player_ids = player_ids(conn, &round.players, &played_at.text).await?;

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

    // The session is decided before the round is written (its neighbours are
    // other rounds), so the round is written once, with it.
    let session_id = assign_session(conn, options, &played_at).await?;
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
        session_id: Some(&session_id),
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
    let mut stats = Vec::new();
    let mut weapons = Vec::new();
    if round.header.round == RoundNumber::Two {
        player_rows(round_id, CUMULATIVE, &round.players, &player_ids, &mut stats, &mut weapons);
    }
    if let Some(round_only) = &round_only {
        player_rows(round_id, ROUND_ONLY, &round_only.players, &player_ids, &mut stats, &mut weapons);
    }
    insert_rows(conn, stats, weapons).await?;
    if round.header.round == RoundNumber::One {
        complete_waiting_round2(conn, options, round_id, round, &played_at).await?;
    }
    refresh_session_bounds(conn, &session_id).await?;
    let finalized = finalize_stale_round2s(conn, options).await?;
    // Every file can change who played with whom: the squads of its session
    // (and of sessions whose round 2s were finalized) are decided again.
    let mut detect = vec![session_id.clone()];
    detect.extend(finalized.into_iter().filter(|s| *s != session_id));
    Ok((round_id, pairing, session_id, detect))
}

/// A player as the `players` table holds him, while a file's lines are applied.
struct KnownPlayer {
    id: Option<i64>,
    guid: String,
    bot_name: String,
    is_bot: bool,
    last_name: String,
    last_clean_name: String,
    first_seen: String,
    last_seen: String,
    changed: bool,
}

/// A stored player as read for matching: id, guid, bot name, is bot, last
/// name, last clean name, first seen, last seen.
type StoredPlayer = (i64, String, String, bool, String, String, String, String);

/// The id of every player line of a round, creating and updating players and
/// their names: one read, then one write per table (not one per line).
///
/// The lines are applied in file order exactly as one lookup and update per
/// line would: a later line of the same player wins the name, a player seen
/// before his first sighting moves it back, a name counts once per line.
async fn player_ids(conn: &mut Conn, round_players: &[Player], seen_at: &str) -> Result<Vec<i64>, StoreError> {
    let mut guids: Vec<&str> = round_players.iter().map(|p| p.guid.as_str()).collect();
    guids.sort_unstable();
    guids.dedup();
    let stored: Vec<StoredPlayer> = players::table
        .filter(players::guid.eq_any(&guids))
        .select((
            players::id,
            players::guid,
            players::bot_name,
            players::is_bot,
            players::last_name,
            players::last_clean_name,
            players::first_seen,
            players::last_seen,
        ))
        .load(conn)
        .await?;
    let mut stored: HashMap<(String, String), KnownPlayer> = stored
        .into_iter()
        .map(|(id, guid, bot_name, is_bot, last_name, last_clean_name, first_seen, last_seen)| {
            let key = (guid.clone(), bot_name.clone());
            let known = KnownPlayer {
                id: Some(id),
                guid,
                bot_name,
                is_bot,
                last_name,
                last_clean_name,
                first_seen,
                last_seen,
                changed: false,
            };
            (key, known)
        })
        .collect();

    // Every player of the file once, in the order of his first line.
    let mut known: Vec<KnownPlayer> = Vec::new();
    let mut slot: HashMap<(String, String), usize> = HashMap::new();
    let mut line_slots = Vec::with_capacity(round_players.len());
    for player in round_players {
        let bot_name = if player.is_bot() { player.name.clean() } else { String::new() };
        let name = player.name.raw().into_owned();
        let clean_name = player.name.clean();
        let key = (player.guid.clone(), bot_name);
        let index = match slot.get(&key) {
            Some(index) => *index,
            None => {
                let entry = match stored.remove(&key) {
                    Some(entry) => entry,
                    None => KnownPlayer {
                        id: None,
                        guid: key.0.clone(),
                        bot_name: key.1.clone(),
                        is_bot: player.is_bot(),
                        last_name: name.clone(),
                        last_clean_name: clean_name.clone(),
                        first_seen: seen_at.to_owned(),
                        last_seen: seen_at.to_owned(),
                        changed: false,
                    },
                };
                known.push(entry);
                slot.insert(key, known.len() - 1);
                known.len() - 1
            }
        };
        if let Some(entry) = known.get_mut(index) {
            if seen_at >= entry.last_seen.as_str()
                && (entry.last_name != name || entry.last_clean_name != clean_name || entry.last_seen != seen_at)
            {
                entry.last_name = name;
                entry.last_clean_name = clean_name;
                entry.last_seen = seen_at.to_owned();
                entry.changed = true;
            }
            if seen_at < entry.first_seen.as_str() {
                entry.first_seen = seen_at.to_owned();
                entry.changed = true;
            }
        }
        line_slots.push(index);
    }

    // New players one by one, in order of appearance (ids in that order on both backends).
    for entry in known.iter_mut().filter(|e| e.id.is_none()) {
        let id: i64 = diesel::insert_into(players::table)
            .values((
                players::guid.eq(&entry.guid),
                players::bot_name.eq(&entry.bot_name),
                players::is_bot.eq(entry.is_bot),
                players::last_name.eq(&entry.last_name),
                players::last_clean_name.eq(&entry.last_clean_name),
                players::first_seen.eq(&entry.first_seen),
                players::last_seen.eq(&entry.last_seen),
            ))
            .returning(players::id)
            .get_result(conn)
            .await?;
        entry.id = Some(id);
        entry.changed = false;
    }
    // Known players that changed: one upsert on their ids (an explicit id
    // takes no identity value, so ids stay dense on PostgreSQL).
    let updates: Vec<_> = known
        .iter()
        .filter(|e| e.changed)
        .filter_map(|e| {
            Some((
                players::id.eq(e.id?),
                players::guid.eq(e.guid.clone()),
                players::bot_name.eq(e.bot_name.clone()),
                players::is_bot.eq(e.is_bot),
                players::last_name.eq(e.last_name.clone()),
                players::last_clean_name.eq(e.last_clean_name.clone()),
                players::first_seen.eq(e.first_seen.clone()),
                players::last_seen.eq(e.last_seen.clone()),
            ))
        })
        .collect();
    macro_rules! player_upsert {
        ($rows:expr) => {{
        use diesel::upsert::excluded;
        diesel::insert_into(players::table)
            .values($rows)
            .on_conflict(players::id)
            .do_update()
            .set((
                players::last_name.eq(excluded(players::last_name)),
                players::last_clean_name.eq(excluded(players::last_clean_name)),
                players::first_seen.eq(excluded(players::first_seen)),
                players::last_seen.eq(excluded(players::last_seen)),
            ))
        }};
    }
    if updates.is_empty() {
    } else if MULTI_ROW {
        execute_owned(conn, player_upsert!(updates)).await?;
    } else {
        let updates: Vec<_> = known
            .iter()
            .filter(|e| e.changed)
            .filter_map(|e| {
                Some(diesel::update(players::table.find(e.id?)).set((
                    players::last_name.eq(e.last_name.clone()),
                    players::last_clean_name.eq(e.last_clean_name.clone()),
                    players::first_seen.eq(e.first_seen.clone()),
                    players::last_seen.eq(e.last_seen.clone()),
                )))
            })
            .collect();
        execute_all(conn, updates).await?;
    }

    let mut ids = Vec::with_capacity(round_players.len());
    // (player, name) -> (clean name, lines), in order of first appearance.
    let mut names: Vec<((i64, String), (String, i64))> = Vec::new();
    for (player, index) in round_players.iter().zip(line_slots) {
        let id = known.get(index).and_then(|e| e.id).ok_or_else(|| StoreError::Migration("unreachable: a player without an id".into()))?;
        ids.push(id);
        let name = player.name.raw().into_owned();
        match names.iter_mut().find(|(key, _)| key.0 == id && key.1 == name) {
            Some((_, (_, lines))) => *lines += 1,
            None => names.push(((id, name), (player.name.clean(), 1))),
        }
    }
    let rows: Vec<_> = names
        .into_iter()
        .map(|((id, name), (clean_name, lines))| {
            (
                player_names::player_id.eq(id),
                player_names::name.eq(name),
                player_names::clean_name.eq(clean_name),
                player_names::first_seen.eq(seen_at.to_owned()),
                player_names::last_seen.eq(seen_at.to_owned()),
                player_names::times_seen.eq(lines),
            )
        })
        .collect();
    // A name already known counts these lines and widens its first / last sighting.
    macro_rules! name_upsert {
        ($rows:expr) => {{
        use diesel::dsl::case_when;
        use diesel::sql_types::Text;
        use diesel::upsert::excluded;
        diesel::insert_into(player_names::table)
            .values($rows)
            .on_conflict((player_names::player_id, player_names::name))
            .do_update()
            .set((
                player_names::times_seen.eq(player_names::times_seen + excluded(player_names::times_seen)),
                player_names::first_seen.eq(case_when::<_, _, Text>(player_names::first_seen.gt(excluded(player_names::first_seen)), excluded(player_names::first_seen))
                    .otherwise(player_names::first_seen)),
                player_names::last_seen.eq(case_when::<_, _, Text>(player_names::last_seen.lt(excluded(player_names::last_seen)), excluded(player_names::last_seen))
                    .otherwise(player_names::last_seen)),
            ))
        }};
    }
    if rows.is_empty() {
    } else if MULTI_ROW {
        execute_owned(conn, name_upsert!(rows)).await?;
    } else {
        execute_all(conn, rows.into_iter().map(|row| name_upsert!(row)).collect()).await?;
    }
    Ok(ids)
}

/// The stats and weapon rows of one copy (round-only or cumulative) of a round's lines.
fn player_rows(round_id: i64, kind: &str, players: &[Player], ids: &[i64], stats: &mut Vec<StatsRow>, weapons: &mut Vec<WeaponRow>) {
    stats.extend(
        players
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(line, (player, id))| StatsRow::from_player(round_id, kind, line, *id, player)),
    );
    weapons.extend(
        players
            .iter()
            .enumerate()
            .flat_map(|(line, player)| WeaponRow::from_player(round_id, kind, line, player)),
    );
}

/// The rows of a round, in batches (see `insert_all` of each backend);
/// statements stay below both backends' bound-parameter limits (PostgreSQL
/// 65535, SQLite 32766).
async fn insert_rows(conn: &mut Conn, stats: Vec<StatsRow>, weapons: Vec<WeaponRow>) -> Result<(), StoreError> {
    insert_all(conn, player_round_stats::table, stats, 400).await?;
    insert_all(conn, player_round_weapons::table, weapons, 3000).await
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
    // A round 1 is free while no round 2 names it (rounds_round1 index).
    let later = diesel::alias!(rounds as later);
    let free: Vec<RoundRow> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::map.eq(&round2.header.map))
        .filter(rounds::round_number.eq(1))
        .filter(rounds::played_at.lt(&played_at.text))
        .filter(rounds::played_at.ge(&earliest))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            later.filter(later.field(rounds::round1_id).eq(rounds::id.nullable())),
        )))
        .order(rounds::played_at.desc())
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
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
    let mut stats = Vec::new();
    let mut weapons = Vec::new();
    player_rows(round_id, ROUND_ONLY, &round.players, &ids, &mut stats, &mut weapons);
    insert_rows(conn, stats, weapons).await
}

/// A round 2 whose round 1 has not come within the window is stored from its
/// cumulative values and flagged `unpaired` (a round 1 arriving later still completes it).
async fn finalize_stale_round2s(conn: &mut Conn, options: &ImportOptions) -> Result<Vec<String>, StoreError> {
    // Rounds still waiting are few (rounds_waiting index); the newest round is
    // looked up only when there are any.
    let waiting: Vec<RoundRow> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::pairing.eq(Pairing::Waiting.as_str()))
        .order((rounds::played_at.asc(), rounds::id.asc()))
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let newest: Option<String> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .select(diesel::dsl::max(rounds::played_at))
        .first(conn)
        .await?;
    let Some(newest) = newest.as_deref().and_then(Stamp::parse) else {
        return Ok(Vec::new());
    };
    let cutoff = newest.minus_minutes(options.round2_window_min);
    let stale = waiting.into_iter().filter(|r| r.played_at < cutoff);
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

/// The session of a round about to be written: that of its neighbours (gap
/// below the limit), merging or renaming sessions when the round fills a gap
/// or comes first.
async fn assign_session(conn: &mut Conn, options: &ImportOptions, played_at: &Stamp) -> Result<String, StoreError> {
    let gap_start = played_at.minus_minutes(options.session_gap_min);
    let gap_end = played_at.plus_minutes(options.session_gap_min);
    let previous: Option<(String, Option<String>)> = rounds::table
        .filter(rounds::source.eq(&options.source))
        .filter(rounds::played_at.le(&played_at.text))
        .filter(rounds::played_at.gt(&gap_start))
        .order(rounds::played_at.desc())
        .select((rounds::played_at, rounds::session_id))
        .first(conn)
        .await
        .optional()?;
    let next: Option<(String, Option<String>)> = rounds::table
        .filter(rounds::source.eq(&options.source))
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
    diesel::delete(crate::schema::player_session_totals::table.filter(crate::schema::player_session_totals::session_id.eq(from)))
        .execute(conn)
        .await?;
    diesel::delete(sessions::table.find(from)).execute(conn).await?;
    Ok(())
}

/// The sums `player_session_totals` keeps per player and session, after its
/// key, first and last round and round count: one list for the rebuild, the
/// check against raw rows and every read that sums them again.
const SUMMED_COLUMNS: &[&str] = &[
    "kills", "deaths", "headshots", "hits", "shots", "damage_given", "damage_received",
    "team_damage_given", "team_damage_received", "gibs", "self_kills", "team_kills", "xp",
    "kill_assists", "kill_steals", "headshot_kills", "objectives_stolen", "objectives_returned",
    "dynamites_planted", "dynamites_defused", "times_revived", "revives_given",
    "repairs_constructions", "bullets_fired", "time_played_s", "time_dead_s", "useful_kills",
    "useless_kills", "denied_playtime_s", "multikill_2", "multikill_3", "multikill_4",
    "multikill_5", "multikill_6", "best_spree", "worst_death_spree", "wins", "losses",
];

/// How a group of raw round-only rows `s` (joined with their round `r`) adds
/// up to one of [`SUMMED_COLUMNS`]. Kept identical to the backfill in the
/// `player_session_totals` migration.
fn raw_sum(column: &str) -> String {
    match column {
        "revives_given" | "repairs_constructions" | "useless_kills" | "multikill_6" => {
            format!("CAST(SUM(COALESCE(s.{column}, 0)) AS BIGINT)")
        }
        "best_spree" => "CAST(MAX(s.killing_spree) AS BIGINT)".to_owned(),
        "worst_death_spree" => "CAST(MAX(s.death_spree) AS BIGINT)".to_owned(),
        "wins" => "CAST(SUM(CASE WHEN r.winner IS NOT NULL AND s.team IS NOT NULL AND s.team <> 'spectator' AND s.team = r.winner THEN 1 ELSE 0 END) AS BIGINT)".to_owned(),
        "losses" => "CAST(SUM(CASE WHEN r.winner IS NOT NULL AND s.team IS NOT NULL AND s.team <> 'spectator' AND s.team <> r.winner THEN 1 ELSE 0 END) AS BIGINT)".to_owned(),
        _ => format!("CAST(SUM(s.{column}) AS BIGINT)"),
    }
}

/// Columns of `player_session_totals`, in the order of [`session_totals_select`].
fn session_totals_columns() -> String {
    format!("session_id, player_id, first_played, last_played, rounds, {}", SUMMED_COLUMNS.join(", "))
}

/// Per session and player, the totals of the raw round-only rows of the
/// sessions `sessions` (a condition on `r.session_id`) picks.
fn session_totals_select(sessions: &str) -> String {
    let sums: Vec<String> = SUMMED_COLUMNS.iter().map(|c| raw_sum(c)).collect();
    format!(
        "SELECT r.session_id, s.player_id, MIN(r.played_at), MAX(r.played_at), COUNT(*), {} \
         FROM player_round_stats s JOIN rounds r ON r.id = s.round_id \
         WHERE s.kind = 'round_only' AND {sessions} GROUP BY r.session_id, s.player_id",
        sums.join(", ")
    )
}

/// Sessions whose `player_session_totals` rows differ from what their raw
/// rows add up to (missing, extra or wrong), by id.
pub(crate) async fn session_totals_out_of_step(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Session {
        #[diesel(sql_type = diesel::sql_types::Text)]
        session_id: String,
    }
    let all = session_totals_select("r.session_id IS NOT NULL");
    let stored = format!("SELECT {} FROM player_session_totals", session_totals_columns());
    let sql = format!(
        "SELECT DISTINCT session_id FROM (SELECT * FROM ({stored} EXCEPT {all}) AS extra UNION ALL SELECT * FROM ({all} EXCEPT {stored}) AS missing) AS differing ORDER BY session_id"
    );
    let rows: Vec<Session> = diesel::sql_query(sql).load(conn).await?;
    Ok(rows.into_iter().map(|row| row.session_id).collect())
}

/// Rebuilds a session's rows of `player_session_totals` from its round-only
/// rows. Runs wherever squads are decided again: both follow every change of
/// a session's round-only rows, inside the importing transaction.
async fn refresh_session_totals(conn: &mut Conn, session_id: &str) -> Result<(), StoreError> {
    use diesel::sql_types::Text;
    diesel::delete(crate::schema::player_session_totals::table.filter(crate::schema::player_session_totals::session_id.eq(session_id)))
        .execute(conn)
        .await?;
    let insert = format!(
        "INSERT INTO player_session_totals ({}) {}",
        session_totals_columns(),
        session_totals_select(&format!("r.session_id = {}", param(1)))
    );
    diesel::sql_query(insert).bind::<Text, _>(session_id).execute(conn).await?;
    Ok(())
}

/// A session starts when its first round started (its file is written at the
/// end) and ends when its last file was written.
async fn refresh_session_bounds(conn: &mut Conn, session_id: &str) -> Result<(), StoreError> {
    // A session has a few dozen rounds: read them once for both ends.
    let rows: Vec<(String, Option<i64>, Option<i32>, i32)> = rounds::table
        .filter(rounds::session_id.eq(session_id))
        .order((rounds::played_at.asc(), rounds::id.asc()))
        .select((rounds::played_at, rounds::duration_ms, rounds::actual_time_s, rounds::time_limit_s))
        .load(conn)
        .await?;
    let (Some((first_at, duration_ms, actual_time_s, time_limit_s)), Some((last, ..))) = (<[_]>::first(&rows), <[_]>::last(&rows)) else {
        return Ok(());
    };
    let length_s = duration_ms
        .map(|ms| ms / 1000)
        .or(actual_time_s.map(i64::from))
        .unwrap_or(i64::from(*time_limit_s));
    let started = Stamp::parse(first_at).map_or(first_at.clone(), |s| s.minus_seconds(length_s));
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

pub(crate) async fn processed_names(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    Ok(processed_files::table.select(processed_files::file_name).load(conn).await?)
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

    refresh_session_totals(conn, session_id).await?;

    // The session's round-only rows in one read, only the columns detection
    // reads (no weapon rows).
    let rows: Vec<(DetectionRow, String)> = player_round_stats::table
        .inner_join(rounds::table)
        .inner_join(players::table)
        .filter(rounds::session_id.eq(session_id))
        .filter(player_round_stats::kind.eq(ROUND_ONLY))
        .select((DetectionRow::as_select(), players::guid))
        .load(conn)
        .await?;
    // Sorted here: in SQL it costs a temporary b-tree.
    let mut rows = rows;
    rows.sort_by_key(|(row, _)| (row.round_id, row.line_index));
    let mut by_round: HashMap<i64, Vec<(DetectionRow, String)>> = HashMap::new();
    for (row, guid) in rows {
        by_round.entry(row.round_id).or_default().push((row, guid));
    }
    let mut parsed: Vec<(i64, Vec<DetectionRow>, Round)> = Vec::new();
    for row in rounds_of_session(conn, session_id).await? {
        if row.pairing == Pairing::Waiting.as_str() {
            continue;
        }
        let lines = by_round.remove(&row.id).unwrap_or_default();
        let players: Vec<Player> = lines.iter().map(|(line, guid)| line.to_player(guid)).collect();
        let lines: Vec<DetectionRow> = lines.into_iter().map(|(line, _)| line).collect();
        // An unpaired round 2 holds both rounds' values; its sides are still evidence.
        parsed.push((row.id, lines, Round::from_parts(None, crate::models::header_of(&row), true, players)));
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

    /// Round id, squad, confidence, layer: rows sharing one are updated together.
    type SquadDecision = (i64, Option<String>, Option<String>, Option<String>);
    let mut night: HashMap<i64, HashMap<&'static str, (usize, Confidence)>> = HashMap::new();
    // Rows whose decision changed, grouped by round and decision: one UPDATE per group.
    let mut changed: Vec<(SquadDecision, Vec<i32>)> = Vec::new();
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
            let key = (*round_id, squad, confidence, layer);
            match changed.iter_mut().find(|(k, _)| *k == key) {
                Some((_, lines)) => lines.push(row.line_index),
                None => changed.push((key, vec![row.line_index])),
            }
        }
    }
    let updates: Vec<_> = changed
        .into_iter()
        .map(|((round_id, squad, confidence, layer), lines)| {
            diesel::update(
                player_round_stats::table
                    .filter(player_round_stats::round_id.eq(round_id))
                    .filter(player_round_stats::kind.eq(ROUND_ONLY))
                    .filter(player_round_stats::line_index.eq_any(lines)),
            )
            .set((
                player_round_stats::squad.eq(squad),
                player_round_stats::team_confidence.eq(confidence),
                player_round_stats::team_layer.eq(layer),
            ))
        })
        .collect();
    if !updates.is_empty() {
        execute_all(conn, updates).await?;
    }

    // Rosters and history are rewritten as what differs from what is stored:
    // most files change a few counts, and rows left alone cost no page writes.
    let mut rosters: Vec<(&'static str, i64)> = Vec::new();
    for (squad, roster) in [("A", &detection.rosters.a), ("B", &detection.rosters.b)] {
        let mut members: Vec<i64> = roster.iter().filter_map(|entry| ids.get(&entry.key).copied()).collect();
        members.sort_unstable();
        members.dedup();
        rosters.extend(members.into_iter().map(|player_id| (squad, player_id)));
    }
    let stored: Vec<(String, i64)> = session_teams::table
        .filter(session_teams::session_id.eq(session_id))
        .select((session_teams::squad, session_teams::player_id))
        .load(conn)
        .await?;
    let gone: Vec<_> = stored
        .iter()
        .filter(|(squad, id)| !rosters.contains(&(squad.as_str(), *id)))
        .map(|(squad, id)| {
            diesel::delete(
                session_teams::table
                    .filter(session_teams::session_id.eq(session_id.to_owned()))
                    .filter(session_teams::squad.eq(squad.clone()))
                    .filter(session_teams::player_id.eq(*id)),
            )
        })
        .collect();
    execute_all(conn, gone).await?;
    let new: Vec<_> = rosters
        .iter()
        .filter(|(squad, id)| !stored.iter().any(|(s, i)| s == squad && i == id))
        .map(|(squad, id)| {
            (
                session_teams::session_id.eq(session_id.to_owned()),
                session_teams::squad.eq(*squad),
                session_teams::player_id.eq(*id),
            )
        })
        .collect();
    insert_all(conn, session_teams::table, new, 1000).await?;

    let mut players: Vec<_> = night.into_iter().collect();
    players.sort_by_key(|(id, _)| *id);
    let mut history: Vec<(i64, &'static str, &'static str, i32)> = Vec::new();
    for (player_id, squads) in players {
        // His squad of the night is where he played most.
        let Some((squad, (rounds, confidence))) = squads.into_iter().max_by_key(|(squad, (rounds, _))| (*rounds, *squad)) else {
            continue;
        };
        history.push((player_id, squad, confidence_name(confidence), i32::try_from(rounds).unwrap_or(i32::MAX)));
    }
    let stored: Vec<(i64, String, String, i32)> = team_history::table
        .filter(team_history::session_id.eq(session_id))
        .select((team_history::player_id, team_history::squad, team_history::confidence, team_history::rounds_played))
        .load(conn)
        .await?;
    let gone: Vec<i64> = stored
        .iter()
        .map(|(id, ..)| *id)
        .filter(|id| !history.iter().any(|(player, ..)| player == id))
        .collect();
    if !gone.is_empty() {
        diesel::delete(
            team_history::table
                .filter(team_history::session_id.eq(session_id))
                .filter(team_history::player_id.eq_any(gone)),
        )
        .execute(conn)
        .await?;
    }
    let changed: Vec<_> = history
        .iter()
        .filter(|(id, squad, confidence, rounds)| {
            !stored.iter().any(|(i, s, c, r)| i == id && s == squad && c == confidence && r == rounds)
        })
        .map(|(id, squad, confidence, rounds)| {
            (
                team_history::session_id.eq(session_id.to_owned()),
                team_history::player_id.eq(*id),
                team_history::squad.eq(*squad),
                team_history::confidence.eq(*confidence),
                team_history::rounds_played.eq(*rounds),
            )
        })
        .collect();
    macro_rules! history_upsert {
        ($rows:expr) => {{
            use diesel::upsert::excluded;
            diesel::insert_into(team_history::table)
                .values($rows)
                .on_conflict((team_history::session_id, team_history::player_id))
                .do_update()
                .set((
                    team_history::squad.eq(excluded(team_history::squad)),
                    team_history::confidence.eq(excluded(team_history::confidence)),
                    team_history::rounds_played.eq(excluded(team_history::rounds_played)),
                ))
        }};
    }
    if changed.is_empty() {
    } else if MULTI_ROW {
        execute_owned(conn, history_upsert!(changed)).await?;
    } else {
        execute_all(conn, changed.into_iter().map(|row| history_upsert!(row)).collect()).await?;
    }
    Ok(())
}

/// How many earlier sessions' squads count as history.
const PRIOR_SESSIONS: usize = 20;
/// How many sessions before this one are searched first for them.
const PRIOR_WINDOW: i64 = 64;

/// What the last sessions these players played say about who plays with whom.
async fn prior_assignments(
    conn: &mut Conn,
    session_id: &str,
    ids: &HashMap<etl_teams::PlayerKey, i64>,
) -> Result<Vec<etl_teams::PriorAssignment>, StoreError> {
    use crate::schema::team_history;
    let keys: HashMap<i64, &etl_teams::PlayerKey> = ids.iter().map(|(key, id)| (*id, key)).collect();
    let player_ids: Vec<i64> = keys.keys().copied().collect();
    // The last PRIOR_SESSIONS sessions before this one that any of these
    // players played, from the (player_id, session_id) index alone: first
    // among the latest PRIOR_WINDOW sessions, and only when too few of them
    // have these players, among all their history. Then the rows of just
    // those sessions.
    let window_start = sessions::table
        .filter(sessions::id.lt(session_id))
        .order(sessions::id.desc())
        .limit(1)
        .offset(PRIOR_WINDOW - 1)
        .select(sessions::id)
        .single_value();
    let mut earlier: Vec<String> = team_history::table
        .filter(team_history::session_id.nullable().ge(window_start))
        .filter(team_history::session_id.lt(session_id))
        .filter(team_history::player_id.eq_any(&player_ids))
        .select(team_history::session_id)
        .distinct()
        .load(conn)
        .await?;
    if earlier.len() < PRIOR_SESSIONS {
        earlier = team_history::table
            .filter(team_history::player_id.eq_any(&player_ids))
            .filter(team_history::session_id.lt(session_id))
            .select(team_history::session_id)
            .distinct()
            .load(conn)
            .await?;
    }
    earlier.sort();
    let earlier: Vec<String> = earlier.into_iter().rev().take(PRIOR_SESSIONS).collect();
    let mut rows: Vec<(String, i64, String, i32)> = if earlier.is_empty() {
        Vec::new()
    } else {
        team_history::table
            .filter(team_history::session_id.eq_any(&earlier))
            .filter(team_history::player_id.eq_any(&player_ids))
            .select((team_history::session_id, team_history::player_id, team_history::squad, team_history::rounds_played))
            .load(conn)
            .await?
    };
    // In a fixed order (sessions, squads, players), so detection sees the
    // same history in the same order on every run and backend.
    rows.sort();
    let mut squads: std::collections::BTreeMap<(String, String), Vec<(i64, i32)>> = std::collections::BTreeMap::new();
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

/// Rounds queued for announcement and not yet posted nor given up, oldest first.
pub(crate) async fn waiting_announcements(conn: &mut Conn, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
    use crate::schema::round_announcements as queue;
    Ok(queue::table
        .filter(queue::done_at.is_null())
        .order(queue::round_id.asc())
        .select((queue::round_id, queue::queued_at))
        .limit(limit)
        .load(conn)
        .await?)
}

/// Marks a queued round as announced (or given up, with why in `outcome`).
pub(crate) async fn finish_announcement(conn: &mut Conn, round_id: i64, outcome: &str, now: &str) -> Result<usize, StoreError> {
    use crate::schema::round_announcements as queue;
    Ok(diesel::update(queue::table.filter(queue::round_id.eq(round_id)).filter(queue::done_at.is_null()))
        .set((queue::done_at.eq(now), queue::outcome.eq(outcome)))
        .execute(conn)
        .await?)
}

/// The queue's state: (waiting, the oldest waiting's queued_at, given up
/// since `since`, the latest of those outcomes).
pub(crate) async fn announcement_backlog(conn: &mut Conn, since: &str) -> Result<(i64, Option<String>, i64, Option<String>), StoreError> {
    use crate::schema::round_announcements as queue;
    let waiting: i64 = queue::table.filter(queue::done_at.is_null()).count().get_result(conn).await?;
    let oldest: Option<String> = queue::table
        .filter(queue::done_at.is_null())
        .select(diesel::dsl::min(queue::queued_at))
        .first(conn)
        .await?;
    let given_up = queue::table.filter(queue::done_at.ge(since)).filter(queue::outcome.ne("posted"));
    let count: i64 = given_up.count().get_result(conn).await?;
    let latest: Option<Option<String>> = given_up
        .order(queue::done_at.desc())
        .select(queue::outcome)
        .first(conn)
        .await
        .optional()?;
    Ok((waiting, oldest, count, latest.flatten()))
}
