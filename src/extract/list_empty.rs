//! When a column page lists nothing, whether it says so (空白栏目) or whether govwatch
//! simply could not see its list.
//!
//! Only a positive marker makes a column empty: a text such as 暂无信息 / 暂无数据 /
//! 没有相关记录 in the main area, a pager saying 共0条, a Hanweb datastore of zero records,
//! or an empty list container (`<ul class="list"></ul>`) on a page that loads nothing by
//! script. A marker inside a sidebar, a menu or the footer says nothing about the column;
//! a marker inside a container that a script of the page fills (`$("#list").html(…)`)
//! is a placeholder, not a marker.
//!
//! A page whose list is written by a script (newer Hanweb and TRS templates, public
//! resource sites: an empty container, an `$.ajax`/`fetch`/`axios` call, a Vue
//! template) is a shell: its list is [`ScriptList`], with the script's endpoint when the
//! page names it, which `[column.select] source` can read instead.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{
    Region, ancestors_and_self, in_footer, normalize, own_words, region_of, resolve, sel, text_of,
};
use super::list_choice::is_sidebar_word;

/// Marker texts of an empty list, as CMS templates print them.
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"暂无(?:相关|任何)?(?:信息|数据|内容|记录|文章|新闻|公告|通知|文件|栏目信息|公开信息)|没有(?:找到)?(?:相关|符合条件的|任何)?(?:信息|数据|内容|记录|文章)|(?:该|本)栏目(?:暂无内容|正在建设|建设中)|共\s*0\s*(?:条|篇|项|页)(?:记录|信息|数据)?|页\s*0\s*条(?:记录)?|(?:总?记录总?数|总条数|总数)\s*[:：]?\s*0(?:\D|$)",
    )
    .unwrap()
});

/// A script call that fetches data, with the URL it names when it is a literal.
static LOADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        \$\.(?:ajax|get|post|getJSON)\s*\(\s*(?:["']([^"']+)["'])?
        | \bfetch\s*\(\s*(?:["'`]([^"'`]+)["'`])?
        | \baxios(?:\.(?:get|post|request))?\s*\(\s*(?:["'`]([^"'`]+)["'`])?
        | \.load\s*\(\s*["']([^"']+)["']
        | \.open\s*\(\s*["'](?:GET|POST)["']\s*,\s*["']([^"']+)["']
        | \b(?:url|api|dataUrl|listUrl)\s*[:=]\s*["'`]([^"'`]+)["'`]
        | \bXMLHttpRequest\b
        "#,
    )
    .unwrap()
});

/// Loaders of page furniture, not of the list: visit counters, statistics, weather …
static NOT_A_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)count|visit|stat|click|hits|log|weather|tianqi|search|sousuo|\.js(?:\?|$)|\.css",
    )
    .unwrap()
});

/// A list a script of the page writes: the page itself shows none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptList {
    /// The endpoint the script reads, absolute, when the script names it literally.
    pub endpoint: Option<Url>,
}

impl ScriptList {
    /// `列表由脚本加载（http://…/api/list?columnId=9012）`.
    pub fn reason(&self) -> String {
        match &self.endpoint {
            Some(u) => format!("列表由脚本加载（{u}）"),
            None => "列表由脚本加载".to_string(),
        }
    }
}

/// The scripts of the page that load data, read when first asked for (most pages with
/// a list never need them).
pub(crate) struct Loaders<'a> {
    doc: &'a Html,
    base: &'a Url,
    read: std::cell::OnceCell<Scripts>,
}

struct Scripts {
    texts: Vec<String>,
    endpoint: Option<Url>,
    /// A Vue/Angular template in the body (`v-for`, `{{item.title}}`).
    template: bool,
}

impl<'a> Loaders<'a> {
    pub(crate) fn new(doc: &'a Html, base: &'a Url) -> Loaders<'a> {
        Loaders {
            doc,
            base,
            read: std::cell::OnceCell::new(),
        }
    }

    fn scripts(&self) -> &Scripts {
        self.read.get_or_init(|| Scripts::read(self.doc, self.base))
    }

    /// Whether the page loads anything by script, or is a template for one.
    pub(crate) fn any(&self) -> bool {
        let s = self.scripts();
        !s.texts.is_empty() || s.template
    }

    pub(crate) fn script_list(&self) -> Option<ScriptList> {
        self.any().then(|| ScriptList {
            endpoint: self.scripts().endpoint.clone(),
        })
    }
}

impl Scripts {
    fn read(doc: &Html, base: &Url) -> Scripts {
        let mut texts = Vec::new();
        let mut endpoint = None;
        for script in doc.select(sel("script")) {
            if script
                .attr("type")
                .is_some_and(|t| t.contains("xml") || t.contains("template"))
            {
                continue;
            }
            let text: String = script.text().collect();
            let mut loads = false;
            for caps in LOADER.captures_iter(&text) {
                let url = (1..=6).find_map(|i| caps.get(i)).map(|m| m.as_str());
                match url {
                    Some(u) if NOT_A_LIST.is_match(u) => continue,
                    Some(u) => {
                        loads = true;
                        if endpoint.is_none() && !u.contains('{') && !u.contains("${") {
                            endpoint = resolve(base, u).ok();
                        }
                    }
                    None => loads = true,
                }
            }
            if loads {
                texts.push(text);
            }
        }
        let template = doc.select(sel("body")).next().is_some_and(|body| {
            body.descendent_elements().any(|e| {
                e.value().attrs().any(|(name, _)| {
                    matches!(name, "v-for" | "ng-repeat" | "x-for" | ":href" | "v-html")
                })
            }) || body.text().any(|t| t.contains("{{") && t.contains("}}"))
        });
        Scripts {
            texts,
            endpoint,
            template,
        }
    }
}

impl Loaders<'_> {
    /// Whether a loading script names `el` or a near ancestor (`#list`, `.news-list`,
    /// `getElementById("list")`): the script fills it.
    fn fills(&self, el: ElementRef<'_>) -> bool {
        let texts = &self.scripts().texts;
        ancestors_and_self(el).take(4).any(|e| {
            let v = e.value();
            let id_named = v.id().is_some_and(|id| {
                texts.iter().any(|t| {
                    t.contains(&format!("#{id}"))
                        || t.contains(&format!("\"{id}\""))
                        || t.contains(&format!("'{id}'"))
                })
            });
            id_named
                || v.classes()
                    .any(|c| c.len() > 3 && texts.iter().any(|t| t.contains(&format!(".{c}"))))
        })
    }
}

/// The empty-list marker in the page's main area, if any: the marker text as printed
/// (`暂无信息`, `共0条`), or `空列表 ul.list` for an empty list container on a page that
/// loads nothing by script (looked for only when no list was found). `skip` is the
/// chosen list's container, whose rows are items.
pub(crate) fn marker(
    doc: &Html,
    loaders: &Loaders,
    skip: Option<ElementRef<'_>>,
    list_found: bool,
) -> Option<String> {
    let body = doc.select(sel("body")).next()?;
    for node in body.descendants() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        if !text.contains(['暂', '没', '共', '页', '栏', '数', '记']) || in_script(node) {
            continue;
        }
        let Some(parent) = node.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        // The marker may be split over elements: `共 <b>1</b>页<b>0</b>条记录`.
        let small = parent.descendants().take(12).count() < 12;
        let text = if small {
            text_of(parent)
        } else {
            normalize(text)
        };
        if text.is_empty() || text.chars().count() > 40 {
            continue;
        }
        let Some(m) = MARKER.find(&text) else {
            continue;
        };
        if parent.value().name() == "a"
            || skip.is_some_and(|s| ancestors_and_self(parent).any(|a| a.id() == s.id()))
            || !is_main_area(parent)
            || loaders.fills(parent)
        {
            continue;
        }
        // The pager's whole line when it is short (`共1页0条记录`), else the marker.
        let shown = if small && text.chars().count() <= 20 {
            text.as_str()
        } else {
            m.as_str()
        };
        return Some(compact(
            shown.trim_end_matches(|c: char| !c.is_alphanumeric()),
        ));
    }
    if list_found || loaders.any() {
        return None;
    }
    for el in body.descendent_elements() {
        let v = el.value();
        if !matches!(v.name(), "ul" | "ol" | "div" | "table" | "tbody" | "dl") {
            continue;
        }
        let listy = own_words(v).any(|w| {
            w.contains("list") || w.contains("liebiao") || w == "lb" || w.ends_with("_lb")
        });
        if !listy || el.child_elements().next().is_some() || !el.text().all(|t| t.trim().is_empty())
        {
            continue;
        }
        if !is_main_area(el) {
            continue;
        }
        let mut name = v.name().to_string();
        if let Some(class) = v.classes().next() {
            name.push('.');
            name.push_str(class);
        } else if let Some(id) = v.id() {
            name.push('#');
            name.push_str(id);
        }
        return Some(format!("空列表 {name}"));
    }
    None
}

fn in_script(node: ego_tree::NodeRef<'_, scraper::Node>) -> bool {
    node.ancestors().any(|a| {
        a.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript"))
    })
}

/// Without the spaces a template puts around numbers (`共 0 条记录` → `共0条记录`).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Outside sidebars, menus, headers and the footer (a pager's 共0条 counts).
fn is_main_area(el: ElementRef<'_>) -> bool {
    region_of(el) != Region::Navigation
        && !in_footer(el)
        && !ancestors_and_self(el)
            .take(6)
            .any(|e| own_words(e.value()).any(|w| is_sidebar_word(&w)))
}
