//! The console's templates and stylesheet, embedded in the binary. Templates are
//! minijinja with auto-escaping on (every `.html` template): crawled text (titles,
//! 错敏词 contexts, anchors) is hostile and renders as text.

use std::sync::OnceLock;

use minijinja::{Environment, Value, context};

pub const STYLESHEET: &str = include_str!("static/console.css");

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("not_found.html", include_str!("templates/not_found.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("findings.html", include_str!("templates/findings.html")),
    ("finding.html", include_str!("templates/finding.html")),
    (
        "period_form.html",
        include_str!("templates/period_form.html"),
    ),
    ("reports.html", include_str!("templates/reports.html")),
    ("ranking.html", include_str!("templates/ranking.html")),
    ("units.html", include_str!("templates/units.html")),
    ("unit.html", include_str!("templates/unit.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("console template {name}: {e}"));
        }
        env
    })
}

/// Renders `name` with `ctx`; a template error is a bug, shown as a plain message.
pub fn render(name: &str, ctx: Value) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!("console: rendering {name} failed: {e:#}");
            "页面生成出错，请查看日志".to_string()
        })
}

pub fn login(next: &str, token: &str, error: Option<&str>) -> String {
    render("login.html", context! { next, token, error })
}

pub fn not_found() -> String {
    render("not_found.html", context! {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_text_is_escaped() {
        let _ = env();
        let html = login("/x\"><script>alert(1)</script>", "t", Some("<b>"));
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
    }
}
