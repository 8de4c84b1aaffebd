//! Configuration: `etl.toml` (or `--config PATH`), then `ETL_*` environment
//! variables (nested keys joined by `__`), then command-line flags.

use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub import: ImportConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// The server name rounds imported from the command line are stored under.
    pub source: String,
    pub session_gap_min: i64,
    pub r2_window_min: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: etl_store::DEFAULT_DATABASE_URL.to_owned(),
            import: ImportConfig::default(),
        }
    }
}

impl Default for ImportConfig {
    fn default() -> Self {
        let defaults = etl_store::ImportOptions::default();
        Self {
            source: defaults.source,
            session_gap_min: defaults.session_gap_min,
            r2_window_min: defaults.round2_window_min,
        }
    }
}

/// The top-level keys of the configuration.
const SECTIONS: &[&str] = &["database_url", "import"];

impl Config {
    /// `path` is `--config`; without it `./etl.toml` is read when present.
    pub fn load(path: Option<&Path>, database_url: Option<&str>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(path) => {
                if !path.is_file() {
                    anyhow::bail!("config file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file(path));
            }
            None => {
                let default = PathBuf::from("etl.toml");
                if default.is_file() {
                    figment = figment.merge(Toml::file(default));
                }
            }
        }
        // Other ETL_* variables (test switches like ETL_REQUIRE_PG) are not settings.
        let env = Env::prefixed("ETL_").split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            SECTIONS
                .iter()
                .any(|section| key == *section || key.starts_with(&format!("{section}.")))
        });
        figment = figment.merge(env);
        if let Some(url) = database_url {
            figment = figment.merge(("database_url", url));
        }
        figment.extract().context("invalid configuration")
    }

    pub fn import_options(&self) -> etl_store::ImportOptions {
        etl_store::ImportOptions {
            source: self.import.source.clone(),
            session_gap_min: self.import.session_gap_min,
            round2_window_min: self.import.r2_window_min,
        }
    }
}
