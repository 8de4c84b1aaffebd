//! Fixed tables: maps, classes and their weapons, names, servers.

use etl_parser::{Side, Weapon};

/// A stopwatch map of the rotation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MapInfo {
    pub name: &'static str,
    /// The map's time limit in whole minutes.
    pub limit_min: i64,
    /// The defending side, the same in both rounds.
    pub defender: Side,
    /// Whether attackers carry an objective (documents, gold, parts).
    pub carry: bool,
    /// Reinforcement waves in seconds: attackers, defenders.
    pub waves: (i64, i64),
}

const fn map(
    name: &'static str,
    limit_min: i64,
    defender: Side,
    carry: bool,
    waves: (i64, i64),
) -> MapInfo {
    MapInfo {
        name,
        limit_min,
        defender,
        carry,
        waves,
    }
}

pub(crate) const MAPS: [MapInfo; 15] = [
    map("supply", 12, Side::Axis, true, (20, 30)),
    map("sw_goldrush_te", 10, Side::Axis, true, (20, 30)),
    map("radar", 15, Side::Axis, true, (15, 30)),
    map("etl_adlernest", 8, Side::Axis, true, (20, 25)),
    map("te_escape2", 10, Side::Axis, true, (20, 25)),
    map("etl_frostbite", 9, Side::Axis, true, (20, 30)),
    map("braundorf_b4", 12, Side::Allies, false, (20, 30)),
    map("erdenberg_t2", 12, Side::Axis, false, (20, 30)),
    map("bremen_b3", 12, Side::Axis, false, (20, 30)),
    map("et_ice", 10, Side::Axis, true, (15, 25)),
    map("karsiah_te2", 10, Side::Axis, false, (20, 30)),
    map("missile_b3", 15, Side::Allies, false, (20, 30)),
    map("decay_sw", 12, Side::Allies, true, (20, 30)),
    map("etl_sp_delivery", 10, Side::Axis, true, (20, 30)),
    map("reactor_final", 10, Side::Axis, true, (20, 30)),
];

/// The five classes of the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Soldier,
    Medic,
    Engineer,
    FieldOps,
    CovertOps,
}

/// The order in which a squad of a given size fills its classes.
pub(crate) const CLASS_ORDER: [Class; 16] = [
    Class::Medic,
    Class::Engineer,
    Class::FieldOps,
    Class::Medic,
    Class::CovertOps,
    Class::Engineer,
    Class::Medic,
    Class::Soldier,
    Class::FieldOps,
    Class::CovertOps,
    Class::Medic,
    Class::Engineer,
    Class::Soldier,
    Class::FieldOps,
    Class::Medic,
    Class::CovertOps,
];

pub(crate) const CLASSES: [Class; 5] = [
    Class::Soldier,
    Class::Medic,
    Class::Engineer,
    Class::FieldOps,
    Class::CovertOps,
];

/// What a player carries as his main weapon, independent of the side (the
/// side decides the actual slot: an SMG is an MP40 for Axis, a Thompson for
/// Allies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primary {
    Smg,
    Mp34,
    Sten,
    Fg42,
    ScopedRifle,
    Rifle,
    Mg,
    Panzer,
    Mortar,
    Flamer,
}

impl Primary {
    /// The primaries a class can choose, with how common each is.
    pub(crate) fn choices(class: Class) -> &'static [(Primary, u32)] {
        match class {
            Class::Soldier => &[
                (Primary::Mg, 35),
                (Primary::Panzer, 30),
                (Primary::Smg, 15),
                (Primary::Mortar, 10),
                (Primary::Flamer, 10),
            ],
            Class::Medic => &[(Primary::Smg, 90), (Primary::Mp34, 10)],
            Class::Engineer => &[(Primary::Smg, 65), (Primary::Rifle, 30), (Primary::Mp34, 5)],
            Class::FieldOps => &[(Primary::Smg, 100)],
            Class::CovertOps => &[
                (Primary::Sten, 40),
                (Primary::Fg42, 25),
                (Primary::ScopedRifle, 35),
            ],
        }
    }

    pub(crate) fn weapon(self, side: Side) -> Weapon {
        let axis = side == Side::Axis;
        match self {
            Primary::Smg => pick(axis, Weapon::Mp40, Weapon::Thompson),
            // The MP34 is an Axis weapon; Allies carry the Thompson instead.
            Primary::Mp34 => pick(axis, Weapon::Mp34, Weapon::Thompson),
            Primary::Sten => Weapon::Sten,
            Primary::Fg42 => Weapon::Fg42,
            Primary::ScopedRifle => pick(axis, Weapon::K43, Weapon::Garand),
            Primary::Rifle => pick(axis, Weapon::Kar98, Weapon::Carbine),
            Primary::Mg => pick(axis, Weapon::Mg42, Weapon::Browning),
            Primary::Panzer => pick(axis, Weapon::Panzerfaust, Weapon::Bazooka),
            Primary::Mortar => pick(axis, Weapon::Mortar2, Weapon::Mortar),
            Primary::Flamer => Weapon::Flamethrower,
        }
    }
}

fn pick(axis: bool, axis_weapon: Weapon, allies_weapon: Weapon) -> Weapon {
    if axis { axis_weapon } else { allies_weapon }
}

pub(crate) fn pistol(side: Side) -> Weapon {
    pick(side == Side::Axis, Weapon::Luger, Weapon::Colt)
}

pub(crate) fn knife(side: Side) -> Weapon {
    pick(side == Side::Axis, Weapon::Knife, Weapon::KnifeKbar)
}

/// How a weapon's shots relate to its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Hitscan: shots follow from the hits and the accuracy.
    Bullet,
    /// One shot per throw or launch.
    Thrown,
    /// Called in by a field ops: one shot per call, hits per target.
    Called,
    /// Placed (dynamite, satchel, mines): one shot per placement.
    Placed,
    Melee,
    Syringe,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub kind: Kind,
    /// Damage of one body hit.
    pub per_hit: i64,
    /// Chance that a hit is a headshot.
    pub head: f64,
    /// Base accuracy (hits per shot).
    pub accuracy: f64,
    /// Extra damage beyond what kills (explosions overkill).
    pub overkill: i64,
}

pub(crate) fn profile(weapon: Weapon) -> Profile {
    let bullet = |per_hit, head, accuracy| Profile {
        kind: Kind::Bullet,
        per_hit,
        head,
        accuracy,
        overkill: 0,
    };
    let blast = |kind, overkill| Profile {
        kind,
        per_hit: 1000,
        head: 0.0,
        accuracy: 1.0,
        overkill,
    };
    match weapon {
        Weapon::Luger | Weapon::Colt => bullet(18, 0.14, 0.40),
        Weapon::Mp40 | Weapon::Thompson | Weapon::Sten | Weapon::Mp34 => bullet(14, 0.13, 0.40),
        Weapon::Fg42 => bullet(16, 0.13, 0.36),
        Weapon::K43 | Weapon::Garand => bullet(50, 0.38, 0.52),
        Weapon::Kar98 | Weapon::Carbine => bullet(34, 0.18, 0.45),
        Weapon::Mg42 | Weapon::Browning => bullet(18, 0.09, 0.28),
        Weapon::Flamethrower => Profile {
            kind: Kind::Bullet,
            per_hit: 9,
            head: 0.0,
            accuracy: 0.45,
            overkill: 0,
        },
        Weapon::Knife | Weapon::KnifeKbar => Profile {
            kind: Kind::Melee,
            per_hit: 40,
            head: 0.0,
            accuracy: 0.6,
            overkill: 0,
        },
        Weapon::Grenade | Weapon::GrenadeLauncher => blast(Kind::Thrown, 90),
        Weapon::Panzerfaust | Weapon::Bazooka => blast(Kind::Thrown, 160),
        Weapon::Mortar | Weapon::Mortar2 => blast(Kind::Thrown, 120),
        Weapon::Airstrike | Weapon::Artillery => blast(Kind::Called, 150),
        Weapon::Dynamite | Weapon::Satchel | Weapon::Landmine => blast(Kind::Placed, 200),
        Weapon::Syringe => Profile {
            kind: Kind::Syringe,
            per_hit: 0,
            head: 0.0,
            accuracy: 1.0,
            overkill: 0,
        },
        _ => bullet(14, 0.1, 0.3),
    }
}

/// Weighted weapons a player of this class and primary kills with.
pub(crate) fn kill_weapons(class: Class, primary: Primary, side: Side) -> Vec<(Weapon, u32)> {
    let main = primary.weapon(side);
    let mut out = vec![(pistol(side), 7), (knife(side), 1)];
    match class {
        Class::Medic => out.extend([(main, 80), (Weapon::Grenade, 6)]),
        Class::Engineer if primary == Primary::Rifle => out.extend([
            (main, 45),
            (Weapon::GrenadeLauncher, 30),
            (Weapon::Grenade, 8),
            (Weapon::Dynamite, 2),
            (Weapon::Landmine, 4),
        ]),
        Class::Engineer => out.extend([
            (main, 72),
            (Weapon::Grenade, 7),
            (Weapon::Dynamite, 2),
            (Weapon::Landmine, 4),
        ]),
        Class::FieldOps => out.extend([
            (main, 62),
            (Weapon::Airstrike, 11),
            (Weapon::Artillery, 9),
            (Weapon::Grenade, 6),
        ]),
        Class::CovertOps => out.extend([(main, 80), (Weapon::Satchel, 4), (knife(side), 3)]),
        Class::Soldier => match primary {
            Primary::Smg => out.extend([(main, 80), (Weapon::Grenade, 12)]),
            Primary::Mg => out.extend([(main, 72), (Weapon::Grenade, 12)]),
            _ => out.extend([(main, 62), (pistol(side), 12), (Weapon::Grenade, 14)]),
        },
    }
    out
}

pub(crate) fn throws_grenades(class: Class) -> bool {
    class != Class::CovertOps
}

/// Bases of player names; decorated per player (colours, tags, characters).
pub(crate) const NAME_BASES: [&str; 96] = [
    "Slomix",
    "Nova",
    "Big Tony",
    "Kraken",
    "Pixel",
    "Vortex",
    "Blade",
    "Capitan",
    "Doc",
    "Zed",
    "Blue",
    "Orca",
    "Ghost",
    "MacGyver",
    "Lynx",
    "Fr0st",
    "Skylark",
    "Wolf Pack",
    "Umbra",
    "SubMarine",
    "ZeroCool",
    "sh4de",
    "Raptor",
    "Hawk",
    "Viper",
    "Cobra",
    "Nomad",
    "Rogue",
    "Spectre",
    "Bishop",
    "Falcon",
    "Jackal",
    "Mamba",
    "Nitro",
    "Onyx",
    "Phantom",
    "Quake",
    "Rebel",
    "Sabre",
    "Titan",
    "Valkyrie",
    "Warden",
    "Yeti",
    "Zephyr",
    "Anvil",
    "Badger",
    "Cinder",
    "Dingo",
    "Ember",
    "Flint",
    "Grizzly",
    "Havoc",
    "Iron",
    "Jolt",
    "Kestrel",
    "Lancer",
    "Mortis",
    "Needle",
    "Oxide",
    "Puma",
    "Quill",
    "Rusty",
    "Scout",
    "Thorn",
    "Unit",
    "Vandal",
    "Wraith",
    "Xeno",
    "Yukon",
    "Zulu",
    "Ace",
    "Buzz",
    "Crash",
    "Dash",
    "Echo",
    "Fury",
    "Gizmo",
    "Hex",
    "Ink",
    "Juno",
    "Karma",
    "Loki",
    "Moss",
    "Neo",
    "Otto",
    "Pike",
    "Rex",
    "Sly",
    "Tex",
    "Uzi",
    "Vex",
    "Wick",
    "Yoda",
    "Ziggy",
    "Boomer",
    "Tinker",
];

/// Names with characters outside ASCII (UTF-8), and raw Latin-1 names that
/// are not valid UTF-8.
pub(crate) const UTF8_NAMES: [&str; 12] = [
    "Mjölnir",
    "ßlade",
    "Łukasz",
    "Dvořák",
    "Søren",
    "Ñandú",
    "Żubr",
    "Ørn",
    "キツネ",
    "🎯Aim",
    "Ångström",
    "Crème",
];
pub(crate) const LATIN1_NAMES: [&[u8]; 5] = [
    b"J\xe4ger",
    b"M\xfcller",
    b"Fran\xe7ois",
    b"\xc5sa",
    b"Bj\xf6rn",
];

pub(crate) const COLOURS: [&str; 16] = [
    "^1", "^2", "^3", "^4", "^5", "^6", "^7", "^8", "^9", "^0", "^a", "^z", "^?", "^/", "^D", "^*",
];

pub(crate) const TAGS: [&str; 8] = ["[FR]", "=AB=", "|TG|", "-=X=-", "{PK}", "o|", "AS.", "*NL*"];

pub(crate) const BOT_NAMES: [&str; 14] = [
    "Hoss", "Sarge", "Brick", "Fuse", "Nails", "Tank", "Rook", "Bolt", "Dozer", "Ratchet", "Spike",
    "Mongo", "Chip", "Flak",
];

pub(crate) const SERVERS: [&str; 8] = [
    "^7ETL ^1Stopwatch ^7Night ^3#1",
    "^1[^7FR^1] ^7Comp ^1Server",
    "^3Tiny ^7Cup ^3Server",
    "^7Seven^1s ^7League",
    "^4EU ^7Stopwatch ^4|^7 Pickup",
    "^0[^7ETc^0] ^7Competition",
    "^2Green^7Zone ^2SW",
    "^5Legacy ^7Gather ^5#2",
];
