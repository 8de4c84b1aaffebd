DROP TABLE player_session_totals;
