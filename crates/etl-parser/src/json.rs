//! The JSON contract of `etl-bot parse --json` (other tools read it: keep the names).

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::{FileName, Header, Player, Round, RoundNumber, Side, Team, WeaponStats, WeaponTable};

impl Serialize for RoundNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.get())
    }
}

impl Serialize for Side {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for Team {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for FileName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("FileName", 5)?;
        out.serialize_field("name", &self.name)?;
        out.serialize_field("date", &self.date().to_string())?;
        out.serialize_field("time", &self.time().strftime("%H:%M:%S").to_string())?;
        out.serialize_field("map", &self.map)?;
        out.serialize_field("round", &self.round)?;
        out.end()
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Header", 9)?;
        out.serialize_field("server", &self.server)?;
        out.serialize_field("map", &self.map)?;
        out.serialize_field("config", &self.config)?;
        out.serialize_field("round", &self.round)?;
        out.serialize_field("defender", &self.defender)?;
        out.serialize_field("winner", &self.winner)?;
        out.serialize_field("time_limit_s", &self.time_limit_s)?;
        out.serialize_field("actual_time_s", &self.actual_time_s)?;
        out.serialize_field("duration_ms", &self.duration_ms)?;
        out.end()
    }
}

impl Serialize for Round {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Round", 4)?;
        out.serialize_field("file", &self.file)?;
        out.serialize_field("header", &self.header)?;
        out.serialize_field("round_only", &self.round_only)?;
        out.serialize_field("players", &self.players)?;
        out.end()
    }
}

impl Serialize for WeaponStats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("WeaponStats", 5)?;
        out.serialize_field("hits", &self.hits)?;
        out.serialize_field("shots", &self.shots)?;
        out.serialize_field("kills", &self.kills)?;
        out.serialize_field("deaths", &self.deaths)?;
        out.serialize_field("headshots", &self.headshots)?;
        out.end()
    }
}

/// Weapons with any activity, keyed by `WS_` code, in slot order.
impl Serialize for WeaponTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        for (weapon, stats) in self.iter() {
            out.serialize_entry(weapon.code(), &stats)?;
        }
        out.end()
    }
}

impl Serialize for Player {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let total = self.weapons.total();
        let s = &self.stats;
        let mut out = serializer.serialize_struct("Player", 47)?;
        out.serialize_field("guid", &self.guid)?;
        out.serialize_field("name", &self.name.raw())?;
        out.serialize_field("clean_name", &self.name.clean())?;
        out.serialize_field("team", &self.team)?;
        out.serialize_field("rounds", &self.rounds)?;
        out.serialize_field("kills", &total.kills)?;
        out.serialize_field("deaths", &total.deaths)?;
        out.serialize_field("headshots", &total.headshots)?;
        out.serialize_field("hits", &total.hits)?;
        out.serialize_field("shots", &total.shots)?;
        out.serialize_field("damage_given", &s.damage_given)?;
        out.serialize_field("damage_received", &s.damage_received)?;
        out.serialize_field("team_damage_given", &s.team_damage_given)?;
        out.serialize_field("team_damage_received", &s.team_damage_received)?;
        out.serialize_field("gibs", &s.gibs)?;
        out.serialize_field("self_kills", &s.self_kills)?;
        out.serialize_field("team_kills", &s.team_kills)?;
        out.serialize_field("team_gibs", &s.team_gibs)?;
        out.serialize_field("time_played_pct", &s.time_played_pct)?;
        out.serialize_field("xp", &s.xp)?;
        out.serialize_field("killing_spree", &s.killing_spree)?;
        out.serialize_field("death_spree", &s.death_spree)?;
        out.serialize_field("kill_assists", &s.kill_assists)?;
        out.serialize_field("kill_steals", &s.kill_steals)?;
        out.serialize_field("headshot_kills", &s.headshot_kills)?;
        out.serialize_field("objectives_stolen", &s.objectives_stolen)?;
        out.serialize_field("objectives_returned", &s.objectives_returned)?;
        out.serialize_field("dynamites_planted", &s.dynamites_planted)?;
        out.serialize_field("dynamites_defused", &s.dynamites_defused)?;
        out.serialize_field("times_revived", &s.times_revived)?;
        out.serialize_field("bullets_fired", &s.bullets_fired)?;
        out.serialize_field("dpm", &s.dpm)?;
        out.serialize_field("time_played_s", &s.time_played_s)?;
        out.serialize_field("tank_meatshield", &s.tank_meatshield)?;
        out.serialize_field("time_dead_ratio", &s.time_dead_ratio)?;
        out.serialize_field("time_dead_s", &s.time_dead_s)?;
        out.serialize_field("kd", &s.kd)?;
        out.serialize_field("useful_kills", &s.useful_kills)?;
        out.serialize_field("denied_playtime_s", &s.denied_playtime_s)?;
        out.serialize_field("multikills", &self.multikills())?;
        out.serialize_field("useless_kills", &s.useless_kills)?;
        out.serialize_field("full_selfkills", &s.full_selfkills)?;
        out.serialize_field("repairs_constructions", &s.repairs_constructions)?;
        out.serialize_field("revives_given", &s.revives_given)?;
        out.serialize_field("weapons", &self.weapons)?;
        out.end()
    }
}
