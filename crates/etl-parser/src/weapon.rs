/// The 28 weapon slots of the stats file, in bit order of the weapon mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Weapon {
    Knife,
    KnifeKbar,
    Luger,
    Colt,
    Mp40,
    Thompson,
    Sten,
    Fg42,
    Panzerfaust,
    Bazooka,
    Flamethrower,
    Grenade,
    Mortar,
    Mortar2,
    Dynamite,
    Airstrike,
    Artillery,
    Satchel,
    GrenadeLauncher,
    Landmine,
    Mg42,
    Browning,
    Carbine,
    Kar98,
    Garand,
    K43,
    Mp34,
    Syringe,
}

impl Weapon {
    /// Number of weapon slots in the file format.
    pub const COUNT: usize = 28;

    /// Every weapon, in slot order.
    pub const ALL: [Weapon; Self::COUNT] = [
        Self::Knife,
        Self::KnifeKbar,
        Self::Luger,
        Self::Colt,
        Self::Mp40,
        Self::Thompson,
        Self::Sten,
        Self::Fg42,
        Self::Panzerfaust,
        Self::Bazooka,
        Self::Flamethrower,
        Self::Grenade,
        Self::Mortar,
        Self::Mortar2,
        Self::Dynamite,
        Self::Airstrike,
        Self::Artillery,
        Self::Satchel,
        Self::GrenadeLauncher,
        Self::Landmine,
        Self::Mg42,
        Self::Browning,
        Self::Carbine,
        Self::Kar98,
        Self::Garand,
        Self::K43,
        Self::Mp34,
        Self::Syringe,
    ];

    /// The game's name, `WS_` + the slot name, as used in the JSON contract.
    pub fn code(self) -> &'static str {
        match self {
            Self::Knife => "WS_KNIFE",
            Self::KnifeKbar => "WS_KNIFE_KBAR",
            Self::Luger => "WS_LUGER",
            Self::Colt => "WS_COLT",
            Self::Mp40 => "WS_MP40",
            Self::Thompson => "WS_THOMPSON",
            Self::Sten => "WS_STEN",
            Self::Fg42 => "WS_FG42",
            Self::Panzerfaust => "WS_PANZERFAUST",
            Self::Bazooka => "WS_BAZOOKA",
            Self::Flamethrower => "WS_FLAMETHROWER",
            Self::Grenade => "WS_GRENADE",
            Self::Mortar => "WS_MORTAR",
            Self::Mortar2 => "WS_MORTAR2",
            Self::Dynamite => "WS_DYNAMITE",
            Self::Airstrike => "WS_AIRSTRIKE",
            Self::Artillery => "WS_ARTILLERY",
            Self::Satchel => "WS_SATCHEL",
            Self::GrenadeLauncher => "WS_GRENADELAUNCHER",
            Self::Landmine => "WS_LANDMINE",
            Self::Mg42 => "WS_MG42",
            Self::Browning => "WS_BROWNING",
            Self::Carbine => "WS_CARBINE",
            Self::Kar98 => "WS_KAR98",
            Self::Garand => "WS_GARAND",
            Self::K43 => "WS_K43",
            Self::Mp34 => "WS_MP34",
            Self::Syringe => "WS_SYRINGE",
        }
    }

    /// Looks a weapon up by its `WS_` code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|weapon| weapon.code() == code)
    }

    /// The slot number, which is also the bit in the weapon mask.
    pub fn slot(self) -> usize {
        self as usize
    }
}

/// The five counters the file keeps per weapon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeaponStats {
    pub hits: i64,
    pub shots: i64,
    pub kills: i64,
    pub deaths: i64,
    /// Headshot hits (not headshot kills).
    pub headshots: i64,
}

impl WeaponStats {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Round 2 minus round 1, never below zero.
    pub(crate) fn minus(self, earlier: Self) -> Self {
        Self {
            hits: (self.hits - earlier.hits).max(0),
            shots: (self.shots - earlier.shots).max(0),
            kills: (self.kills - earlier.kills).max(0),
            deaths: (self.deaths - earlier.deaths).max(0),
            headshots: (self.headshots - earlier.headshots).max(0),
        }
    }
}

/// A player's counters for every weapon slot; an all-zero entry is a weapon he did not touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeaponTable([WeaponStats; Weapon::COUNT]);

impl WeaponTable {
    pub fn get(&self, weapon: Weapon) -> WeaponStats {
        self.0.get(weapon.slot()).copied().unwrap_or_default()
    }

    pub fn set(&mut self, weapon: Weapon, stats: WeaponStats) {
        if let Some(entry) = self.0.get_mut(weapon.slot()) {
            *entry = stats;
        }
    }

    /// The weapons with any activity, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Weapon, WeaponStats)> + '_ {
        Weapon::ALL
            .into_iter()
            .zip(self.0.iter().copied())
            .filter(|(_, stats)| !stats.is_empty())
    }

    /// The sum over all weapons.
    pub fn total(&self) -> WeaponStats {
        self.0
            .iter()
            .fold(WeaponStats::default(), |sum, w| WeaponStats {
                hits: sum.hits + w.hits,
                shots: sum.shots + w.shots,
                kills: sum.kills + w.kills,
                deaths: sum.deaths + w.deaths,
                headshots: sum.headshots + w.headshots,
            })
    }

    pub(crate) fn minus(&self, earlier: &Self) -> Self {
        let mut out = Self::default();
        for weapon in Weapon::ALL {
            out.set(weapon, self.get(weapon).minus(earlier.get(weapon)));
        }
        out
    }
}
