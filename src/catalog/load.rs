//! Reading `config/catalog/*.toml` into a [`Catalog`], keeping the line of every entry
//! and key so that each problem names `file:line` and the fix.
//!
//! Only a file that is not TOML at all is refused. Every other mistake is an [`Issue`]
//! about one entry: the entry is left out (with whatever depends on it) and the rest
//! loads, so one typo never stops a county's whole inspection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::model::*;
use super::{CatalogError, Issue, Severity, line_of};

/// The file `govwatch import accounts` writes; hand-written entries win over it.
pub const IMPORTED_FILE: &str = "imported.toml";

/// The catalog that loaded, and everything wrong with the entries that did not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub catalog: Catalog,
    pub issues: Vec<Issue>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

type RawEntry = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Deserialize, Default)]
struct RawFile {
    #[serde(default)]
    unit: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    site: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    column: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    account: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    mailbox: Vec<Spanned<RawEntry>>,
}

const SECTIONS: [&str; 5] = ["unit", "site", "column", "account", "mailbox"];
/// The keys of a `[column.select]` table.
const SELECT_KEYS: &[&str] = &["item", "title", "link", "date", "next", "source", "items"];

/// Loads every `*.toml` in `<config>/catalog`, hand-written files in name order first,
/// then [`IMPORTED_FILE`].
pub fn load_dir(config_dir: &Path) -> Result<Loaded, CatalogError> {
    let sources = read_dir_texts(config_dir)?;
    let refs: Vec<(&Path, &str)> = sources
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_str()))
        .collect();
    let mut loaded = load_texts(&refs)?;
    let (words, mut issues) = super::read_words(config_dir);
    loaded.catalog.words = words;
    loaded.issues.append(&mut issues);
    Ok(loaded)
}

/// Like [`load_dir`], for `govwatch catalog check`: a file that is not valid TOML is one
/// more error (with its file and line), and the other files are still checked.
pub fn check_dir(config_dir: &Path) -> Result<Loaded, CatalogError> {
    let sources = read_dir_texts(config_dir)?;
    let mut builder = Builder::default();
    let mut unreadable = Vec::new();
    for (path, text) in &sources {
        if let Err(CatalogError::Parse {
            path,
            line,
            message,
        }) = builder.file(path, text)
        {
            unreadable.push(Issue::error(
                Origin { file: path, line },
                format!("this file is not valid TOML: {message}"),
                "fix the TOML syntax there: until then govwatch refuses the whole file",
            ));
        }
    }
    let mut loaded = builder.finish();
    let (words, mut word_issues) = super::read_words(config_dir);
    loaded.catalog.words = words;
    unreadable.append(&mut loaded.issues);
    unreadable.append(&mut word_issues);
    loaded.issues = unreadable;
    Ok(loaded)
}

/// The catalog files of `config_dir` and their texts, hand-written files first.
fn read_dir_texts(config_dir: &Path) -> Result<Vec<(PathBuf, String)>, CatalogError> {
    if !config_dir.is_dir() {
        return Err(CatalogError::NoConfig {
            dir: config_dir.to_path_buf(),
        });
    }
    let dir = config_dir.join("catalog");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(CatalogError::Read { path: dir, source }),
    };
    if files.is_empty() {
        return Err(CatalogError::Empty { dir });
    }
    files.sort_by_key(|p| (is_imported(p), p.clone()));
    let mut sources = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read {
            path: path.clone(),
            source,
        })?;
        sources.push((path, text));
    }
    Ok(sources)
}

fn is_imported(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == IMPORTED_FILE)
}

/// Loads catalog texts as if they were files (in the order given).
pub fn load_texts(files: &[(&Path, &str)]) -> Result<Loaded, CatalogError> {
    let mut builder = Builder::default();
    for (path, text) in files {
        builder.file(path, text)?;
    }
    Ok(builder.finish())
}

/// One raw entry with its file, for field access with line numbers.
struct Entry<'a> {
    file: &'a Path,
    line: usize,
    section: &'static str,
    map: RawEntry,
    /// The line of every key, kept after the key is taken from `map`.
    lines: HashMap<String, usize>,
    problems: Vec<(usize, String, String)>,
    imported: bool,
}

impl<'a> Entry<'a> {
    fn origin(&self) -> Origin {
        Origin {
            file: self.file.to_path_buf(),
            line: self.line,
        }
    }

    fn key_line(&self, key: &str) -> usize {
        self.lines.get(key).copied().unwrap_or(self.line)
    }

    fn problem(&mut self, key: &str, message: impl Into<String>, fix: impl Into<String>) {
        let line = self.key_line(key);
        self.problems.push((line, message.into(), fix.into()));
    }

    fn take(&mut self, key: &str) -> Option<toml::Value> {
        self.map.remove(key).map(|v| v.into_inner())
    }

    /// A required non-empty string.
    fn string(&mut self, key: &str) -> Option<String> {
        let line = self.key_line(key);
        match self.take(key) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(other) => {
                self.problems.push((
                    line,
                    format!(
                        "`{key}` must be a non-empty text, found {}",
                        describe(&other)
                    ),
                    format!("write {key} = \"…\""),
                ));
                None
            }
            None => {
                self.problems.push((
                    line,
                    format!("[[{}]] has no `{key}`", self.section),
                    format!("add {key} = \"…\" to this entry"),
                ));
                None
            }
        }
    }

    fn opt_string(&mut self, key: &str) -> Option<String> {
        let line = self.key_line(key);
        match self.take(key)? {
            toml::Value::String(s) if s.trim().is_empty() => None,
            toml::Value::String(s) => Some(s.trim().to_string()),
            other => {
                self.problems.push((
                    line,
                    format!("`{key}` must be a text, found {}", describe(&other)),
                    format!("write {key} = \"…\" or delete it"),
                ));
                None
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Vec<String> {
        let line = self.key_line(key);
        match self.take(key) {
            None => Vec::new(),
            Some(toml::Value::String(s)) => vec![s.trim().to_string()],
            Some(toml::Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) if !s.trim().is_empty() => {
                            out.push(s.trim().to_string())
                        }
                        other => self.problems.push((
                            line,
                            format!("`{key}` must list texts, found {}", describe(&other)),
                            format!("write {key} = [\"…\", \"…\"]"),
                        )),
                    }
                }
                out
            }
            Some(other) => {
                self.problems.push((
                    line,
                    format!(
                        "`{key}` must be a list of texts, found {}",
                        describe(&other)
                    ),
                    format!("write {key} = [\"…\"]"),
                ));
                Vec::new()
            }
        }
    }

    fn url(&mut self, key: &str) -> Option<Url> {
        let line = self.key_line(key);
        let text = self.string(key)?;
        match parse_http_url(&text) {
            Ok(url) => Some(url),
            Err(why) => {
                self.problems.push((
                    line,
                    format!("`{key}` = \"{text}\" is not a usable URL: {why}"),
                    "write the full address, e.g. \"https://www.example.gov.cn/col/col123/index.html\""
                        .into(),
                ));
                None
            }
        }
    }

    fn opt_date(&mut self, key: &str) -> Option<NaiveDate> {
        let line = self.key_line(key);
        match self.take(key)? {
            toml::Value::Datetime(dt) => match dt.date {
                Some(d) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()),
                None => {
                    self.problems.push((
                        line,
                        format!("`{key}` must be a date"),
                        format!("write {key} = 2024-01-01"),
                    ));
                    None
                }
            },
            toml::Value::String(s) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.problems.push((
                        line,
                        format!("`{key}` = \"{s}\" is not a date"),
                        format!("write {key} = 2024-01-01"),
                    ));
                    None
                }
            },
            other => {
                self.problems.push((
                    line,
                    format!("`{key}` must be a date, found {}", describe(&other)),
                    format!("write {key} = 2024-01-01"),
                ));
                None
            }
        }
    }

    fn opt_u64(&mut self, key: &str) -> Option<u64> {
        let line = self.key_line(key);
        match self.take(key)? {
            toml::Value::Integer(n) if n >= 0 => Some(n as u64),
            other => {
                self.problems.push((
                    line,
                    format!("`{key}` must be a whole number, found {}", describe(&other)),
                    format!("write {key} = 2 (no quotes) or delete it for the default"),
                ));
                None
            }
        }
    }

    fn bool(&mut self, key: &str) -> bool {
        self.opt_bool(key).unwrap_or(false)
    }

    fn opt_bool(&mut self, key: &str) -> Option<bool> {
        let line = self.key_line(key);
        match self.take(key) {
            None => None,
            Some(toml::Value::Boolean(b)) => Some(b),
            Some(other) => {
                self.problems.push((
                    line,
                    format!("`{key}` must be true or false, found {}", describe(&other)),
                    format!("write {key} = true"),
                ));
                None
            }
        }
    }

    fn selectors(&mut self, key: &str) -> Option<Selectors> {
        let line = self.key_line(key);
        let table = match self.take(key)? {
            toml::Value::Table(t) => t,
            other => {
                self.problems.push((
                    line,
                    format!("`{key}` must be a table, found {}", describe(&other)),
                    format!(
                        "write [{}.{key}] with item/title/link/date/next selectors",
                        self.section
                    ),
                ));
                return None;
            }
        };
        let mut sel = Selectors::default();
        for (k, v) in table {
            let slot = match k.as_str() {
                "item" => &mut sel.item,
                "title" => &mut sel.title,
                "link" => &mut sel.link,
                "date" => &mut sel.date,
                "next" => &mut sel.next,
                "source" => &mut sel.source,
                "items" => &mut sel.items,
                _ => {
                    self.problems.push((
                        line,
                        format!("`{key}.{k}` is not a selector name"),
                        known_keys_hint(&k, SELECT_KEYS),
                    ));
                    continue;
                }
            };
            match v {
                toml::Value::String(s) => *slot = Some(s),
                other => self.problems.push((
                    line,
                    format!(
                        "`{key}.{k}` must be a CSS selector text, found {}",
                        describe(&other)
                    ),
                    format!("write {k} = \"ul.list li\""),
                )),
            }
        }
        if let Some(source) = &sel.source
            && !Url::parse(source).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            self.problems.push((
                line,
                format!("`{key}.source` must be an http(s) URL, found {source:?}"),
                "write the list endpoint the page's script reads, as the browser's network panel shows it: source = \"https://…/api/list?columnId=…\"".into(),
            ));
            sel.source = None;
        }
        Some(sel)
    }

    /// Reports keys nobody read: typos like `qouta`.
    fn finish_keys(&mut self, known: &[&str]) {
        let leftover: Vec<(String, usize)> = self
            .map
            .keys()
            .map(|k| (k.clone(), self.key_line(k)))
            .collect();
        for (key, line) in leftover {
            self.problems.push((
                line,
                format!("unknown key `{key}` in [[{}]]", self.section),
                known_keys_hint(&key, known),
            ));
        }
        self.map.clear();
    }
}

/// "did you mean `quota`? known keys: …" for a key nobody reads.
fn known_keys_hint(key: &str, known: &[&str]) -> String {
    let list = format!("known keys: {}", known.join(", "));
    match crate::config::did_you_mean(key, known) {
        Some(near) => format!("did you mean `{near}`? {list}"),
        None => list,
    }
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the text \"{s}\""),
        toml::Value::Integer(n) => format!("the number {n}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("{b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

pub fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| e.to_string())?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme `{other}` is not http or https")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    Ok(url)
}

#[derive(Default)]
struct Builder<'a> {
    pending: [Vec<Entry<'a>>; 5],
    units: Vec<Unit>,
    sites: Vec<Site>,
    columns: Vec<(Column, bool)>,
    accounts: Vec<(Account, bool)>,
    mailboxes: Vec<(Mailbox, bool)>,
    /// The keys of `columns`, `accounts` and `mailboxes`, with their places: a duplicate
    /// is found by one lookup, not a pass over every entry kept (a catalog of 20,000
    /// columns made that 200 million key comparisons).
    column_keys: HashMap<String, usize>,
    account_keys: HashMap<String, usize>,
    mailbox_keys: HashMap<String, usize>,
    unit_imported: Vec<bool>,
    site_imported: Vec<bool>,
    /// Names of entries that were dropped, so dependents say why they are skipped.
    broken_units: HashSet<String>,
    broken_sites: HashSet<String>,
    issues: Vec<Issue>,
}

impl<'a> Builder<'a> {
    /// Parses one file and queues its entries; entries are checked in `finish`, units
    /// and sites first, so references do not depend on file or entry order.
    fn file(&mut self, path: &'a Path, text: &'a str) -> Result<(), CatalogError> {
        let parse_error = |e: toml::de::Error| CatalogError::Parse {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
            message: e.message().trim().to_string(),
        };
        let top: BTreeMap<String, Spanned<toml::Value>> =
            toml::from_str(text).map_err(parse_error)?;
        for (key, value) in &top {
            if !SECTIONS.contains(&key.as_str()) {
                self.issues.push(Issue::error(
                    Origin {
                        file: path.to_path_buf(),
                        line: line_of(text, value.span().start),
                    },
                    format!("unknown section `{key}`"),
                    "catalog entries are [[unit]], [[site]], [[column]], [[account]] and [[mailbox]]",
                ));
            } else if !value.get_ref().is_array() {
                return Err(CatalogError::Parse {
                    path: path.to_path_buf(),
                    line: line_of(text, value.span().start),
                    message: format!(
                        "`{key}` must be a list of entries: write [[{key}]], not [{key}]"
                    ),
                });
            }
        }
        let raw: RawFile = toml::from_str(text).map_err(parse_error)?;
        let imported = is_imported(path);
        // Where each line ends, once: `line_of` counts from the start of the text, which
        // for every key of every entry made a catalog of 2,000 columns take most of a
        // second to load.
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let line_at = |offset: usize| newlines.partition_point(|&n| n < offset.min(text.len())) + 1;
        let entry = |section: &'static str, e: Spanned<RawEntry>| {
            let line = line_at(e.span().start);
            let map = e.into_inner();
            let lines = map
                .iter()
                .map(|(k, v)| (k.clone(), line_at(v.span().start)))
                .collect();
            Entry {
                file: path,
                line,
                section,
                map,
                lines,
                problems: Vec::new(),
                imported,
            }
        };
        self.pending[0].extend(raw.unit.into_iter().map(|e| entry("unit", e)));
        self.pending[1].extend(raw.site.into_iter().map(|e| entry("site", e)));
        self.pending[2].extend(raw.column.into_iter().map(|e| entry("column", e)));
        self.pending[3].extend(raw.account.into_iter().map(|e| entry("account", e)));
        self.pending[4].extend(raw.mailbox.into_iter().map(|e| entry("mailbox", e)));
        Ok(())
    }

    /// Moves an entry's problems into the issue list; true when it had none.
    fn settle(&mut self, entry: &mut Entry, label: &str) -> bool {
        let clean = entry.problems.is_empty();
        for (line, message, fix) in entry.problems.drain(..) {
            self.issues.push(Issue::error(
                Origin {
                    file: entry.file.to_path_buf(),
                    line,
                },
                format!("{label}: {message}"),
                fix,
            ));
        }
        clean
    }

    fn unit(&mut self, mut e: Entry) {
        let name = e.string("name");
        let level = e.opt_string("level");
        let contacts = e.string_list("contacts");
        for c in &contacts {
            if !c.contains('@') {
                let c = c.clone();
                e.problem(
                    "contacts",
                    format!("contact \"{c}\" is not an email address"),
                    "write contacts = [\"name@example.gov.cn\"]",
                );
            }
        }
        e.finish_keys(&["name", "level", "contacts"]);
        let label = format!("unit \"{}\"", name.as_deref().unwrap_or("?"));
        let Some(name) = name else {
            self.settle(&mut e, &label);
            return;
        };
        if let Some(i) = self.units.iter().position(|u| u.name == name) {
            let first = self.units[i].origin.clone();
            self.duplicate(&e, &label, "name", self.unit_imported[i], &first);
            return;
        }
        if !self.settle(&mut e, &label) {
            self.broken_units.insert(name);
            return;
        }
        self.units.push(Unit {
            name,
            level,
            contacts,
            origin: e.origin(),
        });
        self.unit_imported.push(e.imported);
    }

    /// Reports an entry whose key another entry already has; the caller drops it (the
    /// first wins, and hand-written files load before the imported one).
    fn duplicate(
        &mut self,
        e: &Entry,
        label: &str,
        what: &str,
        first_imported: bool,
        first: &Origin,
    ) {
        if e.imported && !first_imported {
            self.issues.push(Issue::warning(
                e.origin(),
                format!(
                    "{label} is also written by hand at {first}; the hand-written entry is used"
                ),
                "delete it from the hand-written file to let the import manage it, or ignore this",
            ));
        } else {
            self.issues.push(Issue::error(
                e.origin(),
                format!("{label}: the same {what} is already used at {first}"),
                format!("give each entry its own {what}, or delete one of them"),
            ));
        }
    }

    fn site(&mut self, mut e: Entry) {
        let name = e.string("name");
        let url = e.url("url");
        let unit = e.opt_string("unit");
        let fetch = SiteFetch {
            per_host_concurrency: e.opt_u64("per_host_concurrency").map(|n| n.max(1) as usize),
            per_host_interval_ms: e.opt_u64("per_host_interval_ms"),
            timeout_s: e.opt_u64("timeout_s"),
            accept_invalid_certs: e.bool("accept_invalid_certs"),
            allow_private: e.string_list("allow_private"),
        };
        let crawl_site = e.opt_bool("crawl_site");
        for cidr in fetch.allow_private.clone() {
            if !is_cidr(&cidr) {
                e.problem(
                    "allow_private",
                    format!("\"{cidr}\" is not a CIDR"),
                    "write allow_private = [\"127.0.0.3/32\"]",
                );
            }
        }
        e.finish_keys(&[
            "name",
            "url",
            "unit",
            "per_host_concurrency",
            "per_host_interval_ms",
            "timeout_s",
            "accept_invalid_certs",
            "allow_private",
            "crawl_site",
        ]);
        let label = format!("site \"{}\"", name.as_deref().unwrap_or("?"));
        if let Some(u) = &unit {
            self.check_unit(&mut e, "unit", u);
        }
        let (Some(name), Some(url)) = (name.clone(), url) else {
            if let Some(name) = name {
                self.broken_sites.insert(name);
            }
            self.settle(&mut e, &label);
            return;
        };
        if let Some(i) = self.sites.iter().position(|s| s.name == name) {
            let first = self.sites[i].origin.clone();
            self.duplicate(&e, &label, "name", self.site_imported[i], &first);
            return;
        }
        if let Some(i) = self.sites.iter().position(|s| s.url == url) {
            let first = self.sites[i].origin.clone();
            self.duplicate(&e, &label, "url", self.site_imported[i], &first);
            return;
        }
        if !self.settle(&mut e, &label) {
            self.broken_sites.insert(name);
            return;
        }
        self.sites.push(Site {
            name,
            url,
            unit,
            fetch,
            crawl_site,
            origin: e.origin(),
        });
        self.site_imported.push(e.imported);
    }

    /// The site an entry names (checked: known, not broken) and its units: the given
    /// ones, else the site's unit; with neither, `missing` and its `fix` are reported.
    /// Every unit is checked.
    fn site_and_units(
        &mut self,
        e: &mut Entry,
        site: Option<&str>,
        units: Vec<String>,
        missing: &str,
        fix: &str,
    ) -> Vec<String> {
        let mut site_unit = None;
        if let Some(s) = site {
            match self.sites.iter().find(|x| x.name == s) {
                Some(found) => site_unit = found.unit.clone(),
                None if self.broken_sites.contains(s) => e.problem(
                    "site",
                    format!("skipped because site \"{s}\" has errors"),
                    "fix that site first",
                ),
                None => {
                    let known: Vec<&str> = self.sites.iter().map(|x| x.name.as_str()).collect();
                    e.problem(
                        "site",
                        format!("unknown site \"{s}\""),
                        format!(
                            "add a [[site]] with name = \"{s}\", or use one of: {}",
                            shortlist(&known)
                        ),
                    );
                }
            }
        }
        let units = match (units.is_empty(), site_unit) {
            (false, _) => units,
            (true, Some(u)) => vec![u],
            (true, None) => {
                e.problem("units", missing, fix);
                Vec::new()
            }
        };
        for u in &units {
            self.check_unit(e, "units", u);
        }
        units
    }

    fn check_unit(&mut self, e: &mut Entry, key: &str, unit: &str) {
        if self.units.iter().any(|u| u.name == unit) {
            return;
        }
        if self.broken_units.contains(unit) {
            e.problem(
                key,
                format!("skipped because unit \"{unit}\" has errors"),
                "fix that unit first",
            );
            return;
        }
        let known: Vec<&str> = self.units.iter().map(|u| u.name.as_str()).collect();
        e.problem(
            key,
            format!("unknown unit \"{unit}\""),
            format!(
                "add a [[unit]] with name = \"{unit}\", or use one of: {}",
                shortlist(&known)
            ),
        );
    }

    fn column(&mut self, mut e: Entry) {
        let id = e.opt_string("id");
        let site = e.string("site");
        let name = e.string("name");
        let url = e.url("url");
        let units = e.string_list("units");
        let class_text = e.opt_string("class");
        let quota_line = e.key_line("quota");
        let quota = match e.take("quota") {
            None => None,
            Some(toml::Value::Integer(n)) if (0..=100_000).contains(&n) => Some(n as u32),
            Some(toml::Value::String(s)) if s.trim() == "及时更新" => None,
            Some(other) => {
                e.problems.push((
                    quota_line,
                    format!(
                        "quota must be a whole number of items per quarter, found {}",
                        describe(&other)
                    ),
                    "write quota = 3 (no quotes), or delete it for a 及时更新 column with no quota"
                        .into(),
                ));
                None
            }
        };
        let select = e.selectors("select");
        let aggregate = e.bool("aggregate");
        e.finish_keys(&[
            "id",
            "site",
            "name",
            "url",
            "units",
            "class",
            "quota",
            "select",
            "aggregate",
        ]);
        let label = format!("column \"{}\"", name.as_deref().unwrap_or("?"));
        let class = match class_text.as_deref() {
            None => None,
            Some(c) => match ColumnClass::parse(c) {
                Some(c) => Some(c),
                None => {
                    e.problem(
                        "class",
                        format!("unknown class \"{c}\""),
                        format!(
                            "use one of {} (or delete it to guess from the name)",
                            ColumnClass::NAMES
                        ),
                    );
                    None
                }
            },
        };
        let units = self.site_and_units(
            &mut e,
            site.as_deref(),
            units,
            "no responsible unit (保障单位)",
            "add units = [\"…\"], or give the site a unit",
        );
        let (Some(site), Some(name), Some(url)) = (site, name, url) else {
            self.settle(&mut e, &label);
            return;
        };
        let column = Column {
            id,
            site,
            class: class.unwrap_or_else(|| ColumnClass::guess(&name)),
            class_guessed: class_text.is_none(),
            name,
            url,
            units,
            quota,
            select,
            aggregate,
            origin: e.origin(),
        };
        let key = column.key();
        if let Some((first, first_imported)) = self
            .column_keys
            .get(&key)
            .map(|at| &self.columns[*at])
            .map(|(c, i)| (c.origin.clone(), *i))
        {
            let what = if column.id.is_some() { "id" } else { "url" };
            self.duplicate(&e, &label, what, first_imported, &first);
            return;
        }
        if self.settle(&mut e, &label) {
            self.column_keys.insert(key, self.columns.len());
            self.columns.push((column, e.imported));
        }
    }

    fn account(&mut self, mut e: Entry) {
        let id = e.opt_string("id");
        let name = e.string("name");
        let unit = e.string("unit");
        let platform_text = e.string("platform");
        let operator = e.opt_string("operator");
        let status_text = e.opt_string("status");
        let opened_on = e.opt_date("opened_on");
        let closed_on = e.opt_date("closed_on");
        // The account's public page (主页), for the email: optional.
        let page = if e.map.contains_key("url") {
            e.url("url")
        } else {
            None
        };
        let source = self.source(&mut e);
        e.finish_keys(&[
            "id",
            "name",
            "unit",
            "platform",
            "operator",
            "status",
            "opened_on",
            "closed_on",
            "source",
            "url",
        ]);
        let label = format!("account \"{}\"", name.as_deref().unwrap_or("?"));
        let platform = platform_text.as_deref().and_then(|p| {
            let parsed = Platform::parse(p);
            if parsed.is_none() {
                e.problem(
                    "platform",
                    format!("unknown platform \"{p}\""),
                    format!("use one of {}", Platform::NAMES),
                );
            }
            parsed
        });
        let status = match status_text.as_deref() {
            None | Some("active") => Some(AccountStatus::Active),
            Some("closed") => Some(AccountStatus::Closed),
            Some(other) => {
                e.problem(
                    "status",
                    format!("unknown status \"{other}\""),
                    "use status = \"active\" or \"closed\" (with closed_on = 2024-01-01)",
                );
                None
            }
        };
        if closed_on.is_some() && status == Some(AccountStatus::Active) {
            e.problem(
                "closed_on",
                "closed_on is set but status is active",
                "write status = \"closed\", or delete closed_on",
            );
        }
        if let Some(u) = &unit {
            self.check_unit(&mut e, "unit", u);
        }
        let (Some(name), Some(unit), Some(platform), Some(status), Some(source)) =
            (name, unit, platform, status, source)
        else {
            self.settle(&mut e, &label);
            return;
        };
        let account = Account {
            id,
            name,
            unit,
            platform,
            operator,
            status,
            opened_on,
            closed_on,
            source,
            url: page,
            origin: e.origin(),
        };
        let key = account.key();
        if let Some((first, first_imported)) = self
            .account_keys
            .get(&key)
            .map(|at| &self.accounts[*at])
            .map(|(a, i)| (a.origin.clone(), *i))
        {
            let what = if account.id.is_some() {
                "id"
            } else {
                "platform and source"
            };
            self.duplicate(&e, &label, what, first_imported, &first);
            return;
        }
        if self.settle(&mut e, &label) {
            self.account_keys.insert(key, self.accounts.len());
            self.accounts.push((account, e.imported));
        }
    }

    fn mailbox(&mut self, mut e: Entry) {
        let id = e.opt_string("id");
        let site = e.string("site");
        let name = e.string("name");
        let url = e.url("url");
        let units = e.string_list("units");
        let days_line = e.key_line("reply_days");
        let reply_days = match e.take("reply_days") {
            None => None,
            Some(toml::Value::Integer(n)) if (1..=365).contains(&n) => Some(n as u32),
            Some(other) => {
                e.problems.push((
                    days_line,
                    format!(
                        "reply_days must be a whole number of working days, found {}",
                        describe(&other)
                    ),
                    "write reply_days = 5 (no quotes), or delete it for [thresholds] reply_days"
                        .into(),
                ));
                None
            }
        };
        let select = self.mailbox_selectors(&mut e);
        e.finish_keys(&["id", "site", "name", "url", "units", "reply_days", "select"]);
        let label = format!("mailbox \"{}\"", name.as_deref().unwrap_or("?"));
        let units = self.site_and_units(
            &mut e,
            site.as_deref(),
            units,
            "no default handling unit (承办单位)",
            "add units = [\"…\"] (the unit that answers letters naming none), or give the site a unit",
        );
        let (Some(site), Some(name), Some(url)) = (site, name, url) else {
            self.settle(&mut e, &label);
            return;
        };
        let mailbox = Mailbox {
            id,
            site,
            name,
            url,
            units,
            reply_days,
            select,
            origin: e.origin(),
        };
        let key = mailbox.key();
        if let Some((first, first_imported)) = self
            .mailbox_keys
            .get(&key)
            .map(|at| &self.mailboxes[*at])
            .map(|(m, i)| (m.origin.clone(), *i))
        {
            let what = if mailbox.id.is_some() { "id" } else { "url" };
            self.duplicate(&e, &label, what, first_imported, &first);
            return;
        }
        if self.settle(&mut e, &label) {
            self.mailbox_keys.insert(key, self.mailboxes.len());
            self.mailboxes.push((mailbox, e.imported));
        }
    }

    /// `[mailbox.select]`: item/title/link/received/replied/status/unit/category/next.
    fn mailbox_selectors(&mut self, e: &mut Entry) -> Option<MailboxSelectors> {
        let line = e.key_line("select");
        let table = match e.take("select")? {
            toml::Value::Table(t) => t,
            other => {
                e.problems.push((
                    line,
                    format!("`select` must be a table, found {}", describe(&other)),
                    "write [mailbox.select] with item/title/link/received/replied/status/unit/category/next selectors".into(),
                ));
                return None;
            }
        };
        let mut sel = MailboxSelectors::default();
        for (k, v) in table {
            let Some(slot) = sel.slot(&k) else {
                e.problems.push((
                    line,
                    format!("`select.{k}` is not a selector name"),
                    known_keys_hint(&k, MailboxSelectors::KEYS),
                ));
                continue;
            };
            match v {
                toml::Value::String(s) => *slot = Some(s),
                other => e.problems.push((
                    line,
                    format!(
                        "`select.{k}` must be a CSS selector text, found {}",
                        describe(&other)
                    ),
                    format!("write {k} = \"table.list tr\""),
                )),
            }
        }
        if let Err(err) = sel.check() {
            e.problems.push((
                line,
                err.to_string(),
                "test the selectors with govwatch extract --mailbox URL".into(),
            ));
            return None;
        }
        Some(sel)
    }

    fn source(&mut self, e: &mut Entry) -> Option<Source> {
        let line = e.key_line("source");
        let fix = "write source = { kind = \"feed\", url = \"https://…/rss\" }";
        let table = match e.take("source") {
            None => {
                // An account without a source is kept: its posts arrive by
                // `govwatch import posts`.
                return Some(Source {
                    kind: SourceKind::Manual,
                    url: None,
                    uid: None,
                    fakeid: None,
                    select: None,
                });
            }
            Some(toml::Value::Table(t)) => t,
            Some(other) => {
                e.problems.push((
                    line,
                    format!("`source` must be a table, found {}", describe(&other)),
                    fix.into(),
                ));
                return None;
            }
        };
        let mut problem = |m: String, f: &str| e.problems.push((line, m, f.to_string()));
        let text = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let kind = match text(&table, "kind") {
            Some(k) => match SourceKind::parse(&k) {
                Some(kind) => kind,
                None => {
                    problem(
                        format!("unknown source kind \"{k}\""),
                        &format!("use one of {}", SourceKind::NAMES),
                    );
                    return None;
                }
            },
            None => {
                problem("`source` has no `kind`".into(), fix);
                return None;
            }
        };
        const SOURCE_KEYS: [&str; 5] = ["kind", "url", "uid", "fakeid", "select"];
        for key in table.keys() {
            if !SOURCE_KEYS.contains(&key.as_str()) {
                problem(
                    format!("unknown key `source.{key}`"),
                    &known_keys_hint(key, &SOURCE_KEYS),
                );
            }
        }
        let url = match text(&table, "url") {
            Some(u) => match parse_http_url(&u) {
                Ok(url) => Some(url),
                Err(why) => {
                    problem(format!("source url \"{u}\" is not usable: {why}"), fix);
                    return None;
                }
            },
            None => None,
        };
        let uid = text(&table, "uid").or_else(|| {
            table
                .get("uid")
                .and_then(|v| v.as_integer())
                .map(|n| n.to_string())
        });
        let fakeid = text(&table, "fakeid");
        let needs = match kind {
            SourceKind::Feed | SourceKind::Html if url.is_none() => Some("url"),
            SourceKind::Weibo if uid.is_none() => Some("uid"),
            SourceKind::WechatMp if fakeid.is_none() => Some("fakeid"),
            _ => None,
        };
        if let Some(key) = needs {
            problem(
                format!(
                    "a `{}` source needs `{key}`",
                    table["kind"].as_str().unwrap_or("?")
                ),
                &format!("add {key} = \"…\" inside source = {{ … }}"),
            );
            return None;
        }
        let select = match table.get("select") {
            Some(toml::Value::Table(t)) => {
                let get = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
                Some(Selectors {
                    item: get("item"),
                    title: get("title"),
                    link: get("link"),
                    date: get("date"),
                    next: get("next"),
                    ..Selectors::default()
                })
            }
            _ => None,
        };
        Some(Source {
            kind,
            url,
            uid,
            fakeid,
            select,
        })
    }

    fn finish(mut self) -> Loaded {
        let [units, sites, columns, accounts, mailboxes] = std::mem::take(&mut self.pending);
        units.into_iter().for_each(|e| self.unit(e));
        sites.into_iter().for_each(|e| self.site(e));
        columns.into_iter().for_each(|e| self.column(e));
        accounts.into_iter().for_each(|e| self.account(e));
        mailboxes.into_iter().for_each(|e| self.mailbox(e));
        let catalog = Catalog {
            units: self.units,
            sites: self.sites,
            columns: self.columns.into_iter().map(|(c, _)| c).collect(),
            accounts: self.accounts.into_iter().map(|(a, _)| a).collect(),
            mailboxes: self.mailboxes.into_iter().map(|(m, _)| m).collect(),
            words: Default::default(),
        };
        Loaded {
            catalog,
            issues: self.issues,
        }
    }
}

fn is_cidr(text: &str) -> bool {
    let (addr, bits) = text.split_once('/').unwrap_or((text, ""));
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.is_empty() || bits.parse::<u8>().is_ok_and(|b| b <= max)
}

fn shortlist(names: &[&str]) -> String {
    if names.is_empty() {
        return "(none yet)".into();
    }
    let mut list = names.iter().take(8).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 8 {
        list.push_str(", …");
    }
    list
}

/// Entries keyed for quick look-up by name (used by importers and reports).
pub fn units_by_name(catalog: &Catalog) -> HashMap<&str, &Unit> {
    catalog.units.iter().map(|u| (u.name.as_str(), u)).collect()
}
