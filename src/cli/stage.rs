//! What the commands that run one stage of a cycle (`crawl`, `probe`, `links`) share:
//! the catalog, the store synced with it, its ids and the fetcher.

use crate::app::App;
use crate::catalog::Loaded;
use crate::cycle::Env;
use crate::fetch::Fetcher;
use crate::store::{CatalogIds, Store};

pub struct Stage<'a> {
    app: &'a App,
    pub loaded: Loaded,
    pub store: Store,
    pub ids: CatalogIds,
    pub fetcher: Fetcher,
}

impl<'a> Stage<'a> {
    /// Loads the catalog (refusing an unknown `--site`), syncs it into the store.
    pub async fn prepare(app: &'a App, site: Option<&str>) -> anyhow::Result<Stage<'a>> {
        let loaded = app.catalog()?;
        if let Some(site) = site
            && loaded.catalog.site(site).is_none()
        {
            anyhow::bail!("no site named \"{site}\" in the catalog (see `govwatch catalog show`)");
        }
        let store = app.open_store().await?;
        store.sync_catalog(&loaded.catalog, app.clock.now()).await?;
        let ids = store.catalog_ids().await?;
        let fetcher = app.fetcher(&loaded.catalog)?;
        Ok(Stage {
            app,
            loaded,
            store,
            ids,
            fetcher,
        })
    }

    pub fn env(&self) -> Env<'_> {
        Env {
            store: &self.store,
            fetcher: &self.fetcher,
            catalog: &self.loaded.catalog,
            settings: &self.app.settings,
            clock: &self.app.clock,
        }
    }
}
