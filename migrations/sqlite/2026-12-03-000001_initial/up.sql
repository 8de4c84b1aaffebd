-- Sessions: consecutive rounds of one source whose gaps stay below the
-- session gap. The id is the first round's file timestamp, YYYY-MM-DD-HHMMSS.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL
);
CREATE INDEX sessions_started_at ON sessions (started_at);

-- One row per imported round file. Times are the server's local wall clock
-- as written in the file name, 'YYYY-MM-DD HH:MM:SS' (they sort as text).
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    server_name TEXT NOT NULL,
    map TEXT NOT NULL,
    config TEXT NOT NULL,
    round_number INTEGER NOT NULL,
    played_at TEXT NOT NULL,
    defender TEXT,
    winner TEXT,
    time_limit_s INTEGER NOT NULL,
    actual_time_s INTEGER,
    duration_ms BIGINT,
    header_fields INTEGER NOT NULL,
    session_id TEXT REFERENCES sessions (id),
    -- Round 2: the round 1 of the same map play.
    round1_id BIGINT REFERENCES rounds (id),
    -- round1 | paired | waiting (round 2 whose round 1 has not arrived) |
    -- unpaired (round 2 past the window without a round 1: stored from its
    -- cumulative values, flagged)
    pairing TEXT NOT NULL,
    round_only BOOLEAN NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX rounds_played_at ON rounds (source, played_at);
CREATE INDEX rounds_session ON rounds (session_id, played_at);
CREATE INDEX rounds_map ON rounds (map, round_number, played_at);

-- The bytes of each round file, so a round can be re-read (round-2 pairing,
-- parser fixes) without the game server.
CREATE TABLE round_files (
    round_id BIGINT PRIMARY KEY NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    content BLOB NOT NULL
);

-- Players by GUID; bots share a truncated GUID, so they are keyed by GUID + name.
CREATE TABLE players (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guid TEXT NOT NULL,
    bot_name TEXT NOT NULL,
    is_bot BOOLEAN NOT NULL,
    last_name TEXT NOT NULL,
    last_clean_name TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (guid, bot_name)
);
CREATE INDEX players_last_clean_name ON players (last_clean_name);

-- Every name a player has used.
CREATE TABLE player_names (
    player_id BIGINT NOT NULL REFERENCES players (id),
    name TEXT NOT NULL,
    clean_name TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times_seen BIGINT NOT NULL,
    PRIMARY KEY (player_id, name)
);
CREATE INDEX player_names_clean ON player_names (clean_name);

-- Per player per round. kind = 'round_only' (what every command reads) or
-- 'cumulative' (a round 2 line as written). Column names are the parse
-- contract's.
CREATE TABLE player_round_stats (
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    line_index INTEGER NOT NULL,
    player_id BIGINT NOT NULL REFERENCES players (id),
    name TEXT NOT NULL,
    clean_name TEXT NOT NULL,
    name_bytes BLOB NOT NULL,
    team TEXT,
    rounds BIGINT NOT NULL,
    kills BIGINT NOT NULL,
    deaths BIGINT NOT NULL,
    headshots BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    shots BIGINT NOT NULL,
    damage_given BIGINT NOT NULL,
    damage_received BIGINT NOT NULL,
    team_damage_given BIGINT NOT NULL,
    team_damage_received BIGINT NOT NULL,
    gibs BIGINT NOT NULL,
    self_kills BIGINT NOT NULL,
    team_kills BIGINT NOT NULL,
    team_gibs BIGINT NOT NULL,
    time_played_pct DOUBLE PRECISION NOT NULL,
    xp BIGINT NOT NULL,
    killing_spree BIGINT NOT NULL,
    death_spree BIGINT NOT NULL,
    kill_assists BIGINT NOT NULL,
    kill_steals BIGINT NOT NULL,
    headshot_kills BIGINT NOT NULL,
    objectives_stolen BIGINT NOT NULL,
    objectives_returned BIGINT NOT NULL,
    dynamites_planted BIGINT NOT NULL,
    dynamites_defused BIGINT NOT NULL,
    times_revived BIGINT NOT NULL,
    bullets_fired BIGINT NOT NULL,
    dpm DOUBLE PRECISION NOT NULL,
    time_played_s BIGINT NOT NULL,
    tank_meatshield DOUBLE PRECISION NOT NULL,
    time_dead_ratio DOUBLE PRECISION NOT NULL,
    time_dead_s BIGINT NOT NULL,
    kd DOUBLE PRECISION NOT NULL,
    useful_kills BIGINT NOT NULL,
    denied_playtime_s BIGINT NOT NULL,
    multikill_2 BIGINT NOT NULL,
    multikill_3 BIGINT NOT NULL,
    multikill_4 BIGINT NOT NULL,
    multikill_5 BIGINT NOT NULL,
    multikill_6 BIGINT,
    useless_kills BIGINT,
    full_selfkills BIGINT,
    repairs_constructions BIGINT,
    revives_given BIGINT,
    field_count INTEGER NOT NULL,
    squad TEXT,
    team_confidence TEXT,
    team_layer TEXT,
    PRIMARY KEY (round_id, kind, line_index)
);
CREATE INDEX player_round_stats_player ON player_round_stats (player_id, kind, round_id);

CREATE TABLE player_round_weapons (
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    line_index INTEGER NOT NULL,
    weapon TEXT NOT NULL,
    hits BIGINT NOT NULL,
    shots BIGINT NOT NULL,
    kills BIGINT NOT NULL,
    deaths BIGINT NOT NULL,
    headshots BIGINT NOT NULL,
    PRIMARY KEY (round_id, kind, line_index, weapon)
);

-- Every file the importer has seen, by name and content. A failed file is
-- recorded with its reason; a known name with other content is refused here.
CREATE TABLE processed_files (
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    success BOOLEAN NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL,
    round_id BIGINT REFERENCES rounds (id),
    PRIMARY KEY (file_name, content_hash)
);
CREATE INDEX processed_files_processed_at ON processed_files (processed_at);

-- Squad rosters of a session (filled by team detection).
CREATE TABLE session_teams (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    squad TEXT NOT NULL,
    player_id BIGINT NOT NULL REFERENCES players (id),
    PRIMARY KEY (session_id, squad, player_id)
);

-- Which squad each player played for in each session, and how sure we are.
CREATE TABLE team_history (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    player_id BIGINT NOT NULL REFERENCES players (id),
    squad TEXT NOT NULL,
    confidence TEXT NOT NULL,
    rounds_played INTEGER NOT NULL,
    PRIMARY KEY (session_id, player_id)
);
CREATE INDEX team_history_player ON team_history (player_id);

CREATE TABLE discord_links (
    discord_user_id TEXT PRIMARY KEY NOT NULL,
    player_id BIGINT NOT NULL REFERENCES players (id),
    linked_at TEXT NOT NULL
);

-- The classic one-row-per-player-round view of the bot this project replaces,
-- so existing SQL dashboards keep working.
CREATE VIEW player_comprehensive_stats AS
SELECT
    r.session_id AS session_id,
    r.round_number AS round_num,
    s.clean_name AS player_name,
    p.guid AS player_guid,
    r.map AS map_name,
    r.played_at AS timestamp,
    s.kills, s.deaths, s.headshots, s.hits, s.shots,
    s.damage_given, s.damage_received, s.team_damage_given, s.team_damage_received,
    s.gibs, s.self_kills, s.team_kills, s.team_gibs,
    s.kill_assists, s.kill_steals, s.headshot_kills,
    s.objectives_stolen, s.objectives_returned, s.dynamites_planted, s.dynamites_defused,
    s.times_revived, s.revives_given, s.repairs_constructions,
    s.bullets_fired, s.dpm, s.kd, s.time_played_s, s.time_played_pct,
    s.time_dead_s, s.time_dead_ratio, s.tank_meatshield,
    s.killing_spree, s.death_spree, s.useful_kills, s.useless_kills,
    s.denied_playtime_s, s.full_selfkills,
    s.multikill_2, s.multikill_3, s.multikill_4, s.multikill_5, s.multikill_6,
    CASE WHEN s.shots > 0 THEN s.hits * 100.0 / s.shots ELSE 0 END AS accuracy,
    s.team,
    s.squad,
    r.winner AS round_winner,
    CASE WHEN r.winner IS NOT NULL AND s.team = r.winner THEN 1 ELSE 0 END AS won_round,
    s.team_confidence AS team_detection_confidence,
    s.xp AS xp_total,
    COALESCE(r.round1_id, r.id) AS map_id
FROM player_round_stats s
JOIN rounds r ON r.id = s.round_id
JOIN players p ON p.id = s.player_id
WHERE s.kind = 'round_only';
