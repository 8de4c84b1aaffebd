DROP INDEX team_history_player;
CREATE INDEX team_history_player ON team_history (player_id);
DROP INDEX rounds_played;
DROP INDEX rounds_waiting;
DROP INDEX rounds_round1;
