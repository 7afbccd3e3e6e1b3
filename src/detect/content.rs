//! The content rules (内容安全): `content_error` for a page carrying wrong or banned
//! expressions, `privacy_leak` for a page publishing personal data, `link_hidden` (暗链)
//! for a page carrying outside links a reader cannot see, one finding per page and kind. A page whose latest read found nothing, or that is gone (404 on two reads),
//! has none: its open findings are rectified. The caller passes only pages read in this
//! cycle (an unchanged page counts as read: its scan holds).

use chrono::NaiveDate;

use super::{Context, Finding, Kind};
use crate::catalog::Site;
use crate::extract::content::{LeakKind, PageScan};
use crate::observe::evidence::{self, ContentHit, Evidence, LeakHit, PageBase};

/// One page read in this cycle, with its latest scan.
#[derive(Debug, Clone)]
pub struct PageState<'a> {
    pub site: &'a Site,
    pub site_key: String,
    /// The column's units, else the site's unit, joined with 、.
    pub unit: Option<String>,
    pub page_url: String,
    /// 首页, 工作动态栏目页面, 工作动态栏目文章页面.
    pub place: String,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub scan: PageScan,
    /// Two reads in a row answered 404 or 410.
    pub gone: bool,
}

/// An outside link on a page, whose outside page was read in this cycle, with the banned
/// words that page carries (none: it is clean now).
#[derive(Debug, Clone)]
pub struct OutsideLink {
    pub site_key: String,
    pub page: PageBase,
    pub url: String,
    pub anchor: String,
    pub hits: Vec<crate::extract::content::WordHit>,
}

/// The subject of a link_suspicious finding: the site's key, the page, the outside URL.
pub fn outside_subject_key(site_key: &str, page_url: &str, url: &str) -> String {
    format!("{site_key}|{page_url}|{url}")
}

/// `link_suspicious`: an outside link whose page carries 外链禁用词, one finding per page
/// and link, named by the category of its first hit (赌博, 色情).
pub fn judge_outside(links: &[OutsideLink]) -> Vec<Finding> {
    links
        .iter()
        .filter(|l| !l.hits.is_empty())
        .map(|l| {
            let mut words: Vec<String> = Vec::new();
            for h in &l.hits {
                if !words.contains(&h.wrong) {
                    words.push(h.wrong.clone());
                }
            }
            Finding {
                kind: Kind::LinkSuspicious,
                subject_key: outside_subject_key(&l.site_key, &l.page.page, &l.url),
                unit: l.page.unit.clone(),
                evidence: Evidence::LinkSuspicious(evidence::LinkSuspicious {
                    page: l.page.clone(),
                    url: l.url.clone(),
                    anchor: l.anchor.clone(),
                    category: l.hits[0].category.clone(),
                    words,
                }),
            }
        })
        .collect()
}

/// The subject of a content finding: the site's key, `|`, the page's URL.
pub fn subject_key(site_key: &str, page_url: &str) -> String {
    format!("{site_key}|{page_url}")
}

pub fn judge_content(ctx: &Context, pages: &[PageState]) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in pages.iter().filter(|p| !p.gone) {
        // An attachment's hits are told on the page that links it.
        let attachment = p.scan.attachment.as_ref();
        let base = PageBase {
            site: p.site.name.clone(),
            unit: p.unit.clone(),
            page: attachment.map_or_else(|| p.page_url.clone(), |a| a.page_url.clone()),
            attachment: attachment.map(|a| a.name.clone()),
            title: p.title.clone(),
            place: p.place.clone(),
            published_on: p.published_on,
            detected_on: ctx.today,
        };
        let subject = subject_key(&p.site_key, &p.page_url);
        if !p.scan.words.is_empty() {
            out.push(Finding {
                kind: Kind::ContentError,
                subject_key: subject.clone(),
                unit: p.unit.clone(),
                evidence: Evidence::ContentError(evidence::ContentError {
                    page: base.clone(),
                    hits: p
                        .scan
                        .words
                        .iter()
                        .map(|h| ContentHit {
                            text: h.text.clone(),
                            wrong: h.wrong.clone(),
                            right: h.right.clone(),
                            category: h.category.clone(),
                            position: h.position,
                            context: h.context.clone(),
                        })
                        .collect(),
                }),
            });
        }
        if !p.scan.hidden_links.is_empty() {
            out.push(Finding {
                kind: Kind::LinkHidden,
                subject_key: subject.clone(),
                unit: p.unit.clone(),
                evidence: Evidence::LinkHidden(evidence::LinkHidden {
                    page: base.clone(),
                    links: p
                        .scan
                        .hidden_links
                        .iter()
                        .map(|h| evidence::HiddenLink {
                            url: h.url.clone(),
                            text: h.text.clone(),
                            how: h.how.clone(),
                        })
                        .collect(),
                }),
            });
        }
        let counts = p.scan.leak_counts;
        if counts.total() > 0 {
            out.push(Finding {
                kind: Kind::PrivacyLeak,
                subject_key: subject,
                unit: p.unit.clone(),
                evidence: Evidence::PrivacyLeak(evidence::PrivacyLeak {
                    page: base,
                    id_numbers: counts.id_number,
                    mobiles: counts.mobile,
                    bank_cards: counts.bank_card,
                    hits: p
                        .scan
                        .leaks
                        .iter()
                        .map(|h| LeakHit {
                            data: LeakKind::code(h.kind).to_string(),
                            masked: h.masked.clone(),
                            position: h.position,
                            context: h.context.clone(),
                        })
                        .collect(),
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::extract::content::{Checks, Lexicon, page_text, scan, words};

    fn site() -> Site {
        crate::catalog::load_texts(&[(
            std::path::Path::new("c.toml"),
            "[[unit]]\nname = \"县财政局\"\n\n[[site]]\nname = \"县政府网\"\nurl = \"http://127.0.0.1:9/\"\nunit = \"县财政局\"\n",
        )])
        .unwrap()
        .catalog
        .sites
        .remove(0)
    }

    #[test]
    fn one_finding_per_page_and_kind_as_the_issue_words_them() {
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let thresholds = Thresholds::default();
        let ctx = Context {
            today,
            thresholds: &thresholds,
        };
        let lexicon = Lexicon::new(words::builtin_words(), &[]);
        let html = "<p>中华人民<b>共合</b>国</p><table><tr><td>姓名</td><td>身份证号</td></tr>\
                    <tr><td>张三</td><td>11010519491231002X</td></tr></table>";
        let checks = Checks {
            errors: true,
            privacy: true,
        };
        let site = site();
        let state = |gone| PageState {
            site: &site,
            site_key: site.key(),
            unit: Some("县财政局".into()),
            page_url: "http://127.0.0.1:9/a.html".into(),
            place: "通知公告栏目文章页面".into(),
            title: Some("关于资金发放的通知".into()),
            published_on: None,
            scan: scan(&page_text(html), &lexicon, checks, None, today),
            gone,
        };
        let found = judge_content(&ctx, &[state(false)]);
        let sentences: Vec<String> = found.iter().map(|f| f.sentence(today)).collect();
        assert_eq!(
            sentences,
            [
                "县财政局网站《关于资金发放的通知》存在错误表述“中华人民共合国”，应为“中华人民共和国”",
                "县财政局网站《关于资金发放的通知》泄露个人信息（身份证号1处）",
            ]
        );
        let json = serde_json::to_string(&found[1].evidence.to_json()).unwrap();
        assert!(!json.contains("11010519491231002X"), "{json}");
        assert!(json.contains("110105********002X"), "{json}");
        assert!(
            judge_content(&ctx, &[state(true)]).is_empty(),
            "a page gone"
        );
    }
}
