// @generated automatically by Diesel CLI.

diesel::table! {
    discord_links (discord_user_id) {
        discord_user_id -> Text,
        player_id -> Int8,
        linked_at -> Text,
    }
}

diesel::table! {
    player_names (player_id, name) {
        player_id -> Int8,
        name -> Text,
        clean_name -> Text,
        first_seen -> Text,
        last_seen -> Text,
        times_seen -> Int8,
    }
}

diesel::table! {
    player_round_stats (round_id, kind, line_index) {
        round_id -> Int8,
        kind -> Text,
        line_index -> Int4,
        player_id -> Int8,
        name -> Text,
        clean_name -> Text,
        name_bytes -> Bytea,
        team -> Nullable<Text>,
        rounds -> Int8,
        kills -> Int8,
        deaths -> Int8,
        headshots -> Int8,
        hits -> Int8,
        shots -> Int8,
        damage_given -> Int8,
        damage_received -> Int8,
        team_damage_given -> Int8,
        team_damage_received -> Int8,
        gibs -> Int8,
        self_kills -> Int8,
        team_kills -> Int8,
        team_gibs -> Int8,
        time_played_pct -> Float8,
        xp -> Int8,
        killing_spree -> Int8,
        death_spree -> Int8,
        kill_assists -> Int8,
        kill_steals -> Int8,
        headshot_kills -> Int8,
        objectives_stolen -> Int8,
        objectives_returned -> Int8,
        dynamites_planted -> Int8,
        dynamites_defused -> Int8,
        times_revived -> Int8,
        bullets_fired -> Int8,
        dpm -> Float8,
        time_played_s -> Int8,
        tank_meatshield -> Float8,
        time_dead_ratio -> Float8,
        time_dead_s -> Int8,
        kd -> Float8,
        useful_kills -> Int8,
        denied_playtime_s -> Int8,
        multikill_2 -> Int8,
        multikill_3 -> Int8,
        multikill_4 -> Int8,
        multikill_5 -> Int8,
        multikill_6 -> Nullable<Int8>,
        useless_kills -> Nullable<Int8>,
        full_selfkills -> Nullable<Int8>,
        repairs_constructions -> Nullable<Int8>,
        revives_given -> Nullable<Int8>,
        field_count -> Int4,
        squad -> Nullable<Text>,
        team_confidence -> Nullable<Text>,
        team_layer -> Nullable<Text>,
    }
}

diesel::table! {
    player_round_weapons (round_id, kind, line_index, weapon) {
        round_id -> Int8,
        kind -> Text,
        line_index -> Int4,
        weapon -> Text,
        hits -> Int8,
        shots -> Int8,
        kills -> Int8,
        deaths -> Int8,
        headshots -> Int8,
    }
}

diesel::table! {
    player_session_totals (session_id, player_id) {
        session_id -> Text,
        player_id -> Int8,
        first_played -> Text,
        last_played -> Text,
        rounds -> Int8,
        kills -> Int8,
        deaths -> Int8,
        headshots -> Int8,
        hits -> Int8,
        shots -> Int8,
        damage_given -> Int8,
        damage_received -> Int8,
        team_damage_given -> Int8,
        team_damage_received -> Int8,
        gibs -> Int8,
        self_kills -> Int8,
        team_kills -> Int8,
        xp -> Int8,
        kill_assists -> Int8,
        kill_steals -> Int8,
        headshot_kills -> Int8,
        objectives_stolen -> Int8,
        objectives_returned -> Int8,
        dynamites_planted -> Int8,
        dynamites_defused -> Int8,
        times_revived -> Int8,
        revives_given -> Int8,
        repairs_constructions -> Int8,
        bullets_fired -> Int8,
        time_played_s -> Int8,
        time_dead_s -> Int8,
        useful_kills -> Int8,
        useless_kills -> Int8,
        denied_playtime_s -> Int8,
        multikill_2 -> Int8,
        multikill_3 -> Int8,
        multikill_4 -> Int8,
        multikill_5 -> Int8,
        multikill_6 -> Int8,
        best_spree -> Int8,
        worst_death_spree -> Int8,
        wins -> Int8,
        losses -> Int8,
    }
}

diesel::table! {
    players (id) {
        id -> Int8,
        guid -> Text,
        bot_name -> Text,
        is_bot -> Bool,
        last_name -> Text,
        last_clean_name -> Text,
        first_seen -> Text,
        last_seen -> Text,
    }
}

diesel::table! {
    processed_files (file_name, content_hash) {
        file_name -> Text,
        content_hash -> Text,
        processed_at -> Text,
        success -> Bool,
        error -> Nullable<Text>,
        attempts -> Int4,
        round_id -> Nullable<Int8>,
    }
}

diesel::table! {
    round_announcements (round_id) {
        round_id -> Int8,
        queued_at -> Text,
        done_at -> Nullable<Text>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    round_files (round_id) {
        round_id -> Int8,
        content -> Bytea,
    }
}

diesel::table! {
    rounds (id) {
        id -> Int8,
        file_name -> Text,
        content_hash -> Text,
        source -> Text,
        server_name -> Text,
        map -> Text,
        config -> Text,
        round_number -> Int4,
        played_at -> Text,
        defender -> Nullable<Text>,
        winner -> Nullable<Text>,
        time_limit_s -> Int4,
        actual_time_s -> Nullable<Int4>,
        duration_ms -> Nullable<Int8>,
        header_fields -> Int4,
        session_id -> Nullable<Text>,
        round1_id -> Nullable<Int8>,
        pairing -> Text,
        round_only -> Bool,
        imported_at -> Text,
    }
}

diesel::table! {
    session_teams (session_id, squad, player_id) {
        session_id -> Text,
        squad -> Text,
        player_id -> Int8,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        source -> Text,
        started_at -> Text,
        ended_at -> Text,
    }
}

diesel::table! {
    team_history (session_id, player_id) {
        session_id -> Text,
        player_id -> Int8,
        squad -> Text,
        confidence -> Text,
        rounds_played -> Int4,
    }
}

diesel::joinable!(discord_links -> players (player_id));
diesel::joinable!(player_names -> players (player_id));
diesel::joinable!(player_round_stats -> players (player_id));
diesel::joinable!(player_round_stats -> rounds (round_id));
diesel::joinable!(player_round_weapons -> rounds (round_id));
diesel::joinable!(player_session_totals -> players (player_id));
diesel::joinable!(player_session_totals -> sessions (session_id));
diesel::joinable!(processed_files -> rounds (round_id));
diesel::joinable!(round_announcements -> rounds (round_id));
diesel::joinable!(round_files -> rounds (round_id));
diesel::joinable!(rounds -> sessions (session_id));
diesel::joinable!(session_teams -> players (player_id));
diesel::joinable!(session_teams -> sessions (session_id));
diesel::joinable!(team_history -> players (player_id));
diesel::joinable!(team_history -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    discord_links,
    player_names,
    player_round_stats,
    player_round_weapons,
    player_session_totals,
    players,
    processed_files,
    round_announcements,
    round_files,
    rounds,
    session_teams,
    sessions,
    team_history,
);
