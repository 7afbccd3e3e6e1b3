//! Hidden links (暗链): anchors a reader cannot see, pointing off the site. Intruders
//! plant them in a government page to lend its rank to gambling sites; they are hidden by
//! inline styles or the page's own `<style>` blocks (external stylesheets are not
//! fetched): `display:none`, `visibility:hidden`, a zero font size, a box of zero height
//! with its overflow hidden, positioned or indented far off screen, text the colour of
//! its background, or inside a `<marquee>` of zero size. An ancestor hiding the link
//! hides it too.
//!
//! Pure: the page's HTML, its URL and which hosts are the site's in, the hidden
//! outside links out. A hidden link to the site itself (a collapsed menu) is not one.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

/// Characters of anchor text kept.
const ANCHOR_CHARS: usize = 40;
/// Hidden links kept per page (the count is whole).
const MAX_LINKS: usize = 50;
/// An offset this far left or up (px) is off screen.
const OFF_SCREEN_PX: f64 = 500.0;

/// One hidden link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenLink {
    pub url: String,
    /// The anchor text (trimmed, at most 40 characters).
    pub text: String,
    /// How it is hidden, as the sentence says it: `display:none`, `字号为0` ….
    pub how: String,
}

/// A style rule of the page's `<style>` blocks that hides what it matches.
struct Rule {
    selector: Selector,
    decls: Decls,
}

/// The declarations that matter here.
#[derive(Debug, Default, Clone)]
struct Decls {
    hides: Option<&'static str>,
    color: Option<String>,
    background: Option<String>,
}

/// The outside links of `html` (read at `base`) that a reader cannot see; `own` says
/// whether a URL is on the site.
pub fn hidden_links(html: &str, base: &Url, own: impl Fn(&Url) -> bool) -> Vec<HiddenLink> {
    hidden_links_in(&crate::extract::parse_document(html), base, own)
}

/// [`hidden_links`] of a page already parsed (with [`crate::extract::parse_document`]).
pub fn hidden_links_in(doc: &Html, base: &Url, own: impl Fn(&Url) -> bool) -> Vec<HiddenLink> {
    let rules = style_rules(doc);
    let mut out = Vec::new();
    for a in doc.select(crate::extract::dom::sel("a[href]")) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || own(&url) {
            continue;
        }
        if let Some(how) = hidden_by(a, &rules) {
            let text: String = a.text().collect::<String>();
            let text: String = text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(ANCHOR_CHARS)
                .collect();
            out.push(HiddenLink {
                url: url.to_string(),
                text,
                how,
            });
            if out.len() == MAX_LINKS {
                break;
            }
        }
    }
    out
}

/// Why `a` cannot be seen, if it cannot.
fn hidden_by(a: ElementRef, rules: &[Rule]) -> Option<String> {
    let mut color: Option<String> = None;
    let mut node: Option<NodeRef<Node>> = Some(*a);
    while let Some(n) = node {
        if let Some(el) = ElementRef::wrap(n) {
            let d = decls_of(el, rules);
            if let Some(how) = d.hides {
                return Some(how.to_string());
            }
            if el.value().name() == "marquee" && zero_size_marquee(el) {
                return Some("位于零尺寸滚动框内".into());
            }
            if color.is_none() {
                color = d.color.clone();
            }
            let background = d
                .background
                .or_else(|| el.value().attr("bgcolor").and_then(normalize_color));
            if let (Some(c), Some(b)) = (&color, &background) {
                if c == b {
                    return Some("文字颜色与背景相同".into());
                }
                // The nearest background is the one behind the text.
                return None;
            }
        }
        node = n.parent();
    }
    // No background set: the page is white.
    (color.as_deref() == Some("#ffffff")).then(|| "文字颜色与背景相同".into())
}

/// The declarations that apply to `el`: the rules of `<style>` blocks in order, then
/// its inline style (later wins).
fn decls_of(el: ElementRef, rules: &[Rule]) -> Decls {
    let mut out = Decls::default();
    let inline = el.value().attr("style").map(parse_decls);
    for d in rules
        .iter()
        .filter(|r| r.selector.matches(&el))
        .map(|r| &r.decls)
        .chain(inline.as_ref())
    {
        if d.hides.is_some() {
            out.hides = d.hides;
        }
        if d.color.is_some() {
            out.color = d.color.clone();
        }
        if d.background.is_some() {
            out.background = d.background.clone();
        }
    }
    if out.hides.is_none() && el.value().attr("hidden").is_some() {
        out.hides = Some("hidden属性");
    }
    out
}

fn zero_size_marquee(el: ElementRef) -> bool {
    let zero = |v: &str| parse_px(v).is_some_and(|n| n <= 1.0);
    let attr = |name| el.value().attr(name).is_some_and(zero);
    let style = el.value().attr("style").unwrap_or_default();
    let style_zero = |name: &str| declarations(style).any(|(k, v)| k == name && zero(&v));
    attr("width") || attr("height") || style_zero("width") || style_zero("height")
}

/// The rules of the page's `<style>` blocks whose declarations matter (hiding, colour,
/// background); selectors scraper cannot parse are left out.
fn style_rules(doc: &Html) -> Vec<Rule> {
    let mut out = Vec::new();
    for style in doc.select(crate::extract::dom::sel("style")) {
        let css = strip_comments(&style.text().collect::<String>());
        for block in css.split('}') {
            let Some((selectors, body)) = block.split_once('{') else {
                continue;
            };
            // An @media block's first rule: its selector is after the last brace.
            let selectors = selectors.rsplit('{').next().unwrap_or(selectors).trim();
            if selectors.starts_with('@') || selectors.is_empty() {
                continue;
            }
            let decls = parse_decls(body);
            if decls.hides.is_none() && decls.color.is_none() && decls.background.is_none() {
                continue;
            }
            if let Ok(selector) = Selector::parse(selectors) {
                out.push(Rule { selector, decls });
            }
        }
    }
    out
}

fn strip_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(at) = rest.find("/*") {
        out.push_str(&rest[..at]);
        rest = rest[at..]
            .find("*/")
            .map_or("", |end| &rest[at + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// `name: value` pairs, lowercased, `!important` dropped.
fn declarations(body: &str) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(';').filter_map(|d| {
        let (k, v) = d.split_once(':')?;
        let v = v.to_ascii_lowercase().replace("!important", "");
        Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
    })
}

fn parse_decls(body: &str) -> Decls {
    let mut out = Decls::default();
    let mut absolute = false;
    let mut offset = false;
    let mut zero_height = false;
    let mut overflow_hidden = false;
    for (k, v) in declarations(body) {
        match k.as_str() {
            "display" if v == "none" => out.hides = Some("display:none"),
            "visibility" if v == "hidden" || v == "collapse" => {
                out.hides = Some("visibility:hidden");
            }
            "font-size" if parse_px(&v).is_some_and(|n| n <= 0.0) => {
                out.hides = Some("字号为0");
            }
            "text-indent" if parse_px(&v).is_some_and(|n| n <= -OFF_SCREEN_PX) => {
                out.hides = Some("缩进至屏幕外");
            }
            "position" => absolute = v == "absolute" || v == "fixed",
            "left" | "top" | "margin-left" | "margin-top"
                if parse_px(&v).is_some_and(|n| n <= -OFF_SCREEN_PX) =>
            {
                offset = true;
            }
            "height" | "max-height" if parse_px(&v).is_some_and(|n| n <= 0.0) => {
                zero_height = true;
            }
            "overflow" if v == "hidden" => overflow_hidden = true,
            "color" => out.color = normalize_color(&v),
            "background-color" => out.background = normalize_color(&v),
            "background" => {
                out.background = v.split_whitespace().find_map(normalize_color);
            }
            _ => {}
        }
    }
    if out.hides.is_none() && absolute && offset {
        out.hides = Some("定位至屏幕外");
    }
    if out.hides.is_none() && zero_height && overflow_hidden {
        out.hides = Some("高度为0");
    }
    out
}

/// A length in px (em and pt taken as their number: only its sign and zero matter, or
/// a large offset).
fn parse_px(v: &str) -> Option<f64> {
    let v = v.trim();
    let number = v.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    number.trim().parse().ok()
}

/// `#fff`, `#FFFFFF`, `white`, `rgb(255,255,255)` → `#ffffff`; `None` for what is not
/// a plain colour.
fn normalize_color(v: &str) -> Option<String> {
    let v = v.trim().to_ascii_lowercase();
    let named = match v.as_str() {
        "white" => Some("#ffffff"),
        "black" => Some("#000000"),
        "red" => Some("#ff0000"),
        _ => None,
    };
    if let Some(n) = named {
        return Some(n.to_string());
    }
    if let Some(hex) = v.strip_prefix('#') {
        let full = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_string(),
            _ => return None,
        };
        return full
            .chars()
            .all(|c| c.is_ascii_hexdigit())
            .then(|| format!("#{full}"));
    }
    let inner = v
        .strip_prefix("rgb(")
        .or_else(|| v.strip_prefix("rgba("))?
        .strip_suffix(')')?;
    let parts: Vec<u8> = inner
        .split(',')
        .take(3)
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == 3).then(|| format!("#{:02x}{:02x}{:02x}", parts[0], parts[1], parts[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(body: &str) -> Vec<String> {
        let base = Url::parse("http://www.xian.gov.cn/").unwrap();
        let html = format!(
            "<html><head><style>.gone{{display:none}} .box a {{ font-size:0px }} #c {{color:#fff; background:#FFF}}</style></head><body>{body}</body></html>"
        );
        hidden_links(&html, &base, |u| u.host_str() == Some("www.xian.gov.cn"))
            .into_iter()
            .map(|h| h.how)
            .collect()
    }

    #[test]
    fn every_hiding_method_fires_and_visible_or_own_links_do_not() {
        let cases = [
            (
                r#"<a style="display: none" href="http://bet.example/">x</a>"#,
                "display:none",
            ),
            (
                r#"<div style="visibility:hidden"><a href="http://bet.example/">x</a></div>"#,
                "visibility:hidden",
            ),
            (
                r#"<div class="gone"><p><a href="http://bet.example/">x</a></p></div>"#,
                "display:none",
            ),
            (
                r#"<div class="box"><a href="http://bet.example/">x</a></div>"#,
                "字号为0",
            ),
            (
                r#"<div style="position:absolute;top:-999px"><a href="http://bet.example/">x</a></div>"#,
                "定位至屏幕外",
            ),
            (
                r#"<p style="text-indent:-9999px"><a href="http://bet.example/">x</a></p>"#,
                "缩进至屏幕外",
            ),
            (
                r#"<div id="c"><a href="http://bet.example/">x</a></div>"#,
                "文字颜色与背景相同",
            ),
            (
                r#"<a style="color:white" href="http://bet.example/">x</a>"#,
                "文字颜色与背景相同",
            ),
            (
                r#"<marquee height="0" width="0"><a href="http://bet.example/">x</a></marquee>"#,
                "位于零尺寸滚动框内",
            ),
            (
                r#"<div style="height:0;overflow:hidden"><a href="http://bet.example/">x</a></div>"#,
                "高度为0",
            ),
        ];
        for (body, how) in cases {
            assert_eq!(hidden(body), [how], "{body}");
        }
        let quiet = [
            r#"<a href="http://www.gov.cn/">中国政府网</a>"#,
            r#"<a style="display:none" href="/menu.html">菜单</a>"#,
            r#"<a class="gone" href="http://www.xian.gov.cn/a.html">x</a>"#,
            r#"<div style="background:#000"><a style="color:#fff" href="http://www.gov.cn/">x</a></div>"#,
            r#"<marquee><a href="http://www.gov.cn/">通知</a></marquee>"#,
            r#"<div style="position:relative;top:-5px"><a href="http://www.gov.cn/">x</a></div>"#,
        ];
        for body in quiet {
            assert!(hidden(body).is_empty(), "{body}");
        }
    }

    #[test]
    fn colours_compare_in_any_notation() {
        assert_eq!(normalize_color("#FFF").as_deref(), Some("#ffffff"));
        assert_eq!(
            normalize_color("rgb(255, 255, 255)").as_deref(),
            Some("#ffffff")
        );
        assert_eq!(normalize_color("url(a.png)"), None);
    }
}
