-- Indexes for importing years of rounds and answering commands on them.

-- Pairing: is this round 1 already taken by a round 2?
CREATE INDEX rounds_round1 ON rounds (round1_id);
-- Round 2s still waiting for their round 1 (looked up after every file).
CREATE INDEX rounds_waiting ON rounds (source, pairing, played_at);
-- Commands' time windows and the latest round, whatever the source.
CREATE INDEX rounds_played ON rounds (played_at);
-- A player's latest sessions (squad history before a session).
DROP INDEX team_history_player;
CREATE INDEX team_history_player ON team_history (player_id, session_id);
