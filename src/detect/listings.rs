//! Platform listings against the registered inventory: which listed accounts nobody
//! registered (未经报备). `govwatch import listing` prints them; the account_unregistered
//! rule ([`super::accounts::judge_unregistered`]) records them at every check. Pure:
//! listings and catalog in, accounts out.

use std::collections::HashSet;

use super::accounts::unregistered_key;
use crate::catalog::Catalog;
use crate::catalog::import::ListedAccount;

/// The listed accounts that the registered inventory does not have (same platform,
/// same name once spaces and full-width letters are normalized). Closed accounts are
/// registered too: they are the business of `account_closed_active`.
pub fn unregistered(listing: &[ListedAccount], catalog: &Catalog) -> Vec<ListedAccount> {
    // The rule's own key, so the import's list and the rule's findings always agree.
    let registered: HashSet<String> = catalog
        .accounts
        .iter()
        .map(|a| unregistered_key(a.platform, &a.name))
        .collect();
    let mut seen = HashSet::new();
    listing
        .iter()
        .filter(|l| {
            let key = unregistered_key(l.platform, &l.name);
            !registered.contains(&key) && seen.insert(key)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::import::{parse_listing, read_sheets};
    use crate::catalog::{Platform, load_texts};

    #[test]
    fn listing_accounts_not_registered_are_found_by_platform_and_name() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets/listing.csv");
        let sheets = read_sheets(&path).unwrap();
        let (listed, problems) = parse_listing(&path, &sheets).unwrap();
        assert_eq!(listed.len(), 5);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("row 7: unknown platform")
        );
        let catalog = load_texts(&[(
            Path::new("c.toml"),
            r#"
[[unit]]
name = "气象局"
[[unit]]
name = "城管局"
[[unit]]
name = "交警大队"
[[account]]
name = "渭滨区预警"
unit = "气象局"
platform = "weibo"
[[account]]
name = "渭滨城管"
unit = "城管局"
platform = "wechat"
[[account]]
name = "渭滨交警"
unit = "交警大队"
platform = "weibo"
"#,
        )])
        .unwrap()
        .catalog;
        let names: Vec<(Platform, String)> = unregistered(&listed, &catalog)
            .into_iter()
            .map(|l| (l.platform, l.name))
            .collect();
        // 渭滨交警 is registered on Weibo, not on Douyin.
        assert_eq!(
            names,
            [
                (Platform::Wechat, "渭滨文旅".to_string()),
                (Platform::Douyin, "渭滨交警".to_string()),
                (Platform::Douyin, "渭滨神农镇".to_string()),
            ]
        );
    }
}
