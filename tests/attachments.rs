//! 内容安全 in attachments: a 公示 page links a PDF, a DOCX, an XLSX and an XLS with planted
//! 错敏词 and personal data, and a hostile PDF (thousands of pages sharing one content
//! stream that inflates to 60 MB: minutes of work). The four are read by the link
//! check's GET, their text extracted by `govwatch internal extract-text` (the real
//! binary) and scanned; each finding names the page and the attachment
//! (县财政局网站《…公示》附件《名单.xlsx》泄露个人信息（…）); the hostile PDF is
//! `unreadable` within its time limit while the cycle completes; an unchanged attachment
//! is confirmed without a second extraction (an unreadable one is not read again
//! either); `export content` fills `attachment`; and no planted full number is in the
//! database or the exports. Both databases.
//!
//! The XLS is tests/fixtures/attachments/list.xls (made with xlwt from list.csv beside
//! it); the other files are written here.

mod support;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::detect::period::Period;
use govwatch::fetch::Fetcher;
use govwatch::report::{content, wording};
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases_with_url!(attachments_are_read_in_a_child_and_a_hostile_pdf_is_unreadable);

const SITE: &str = "示例县人民政府";

/// An ID number with a valid GB 11643 check character.
fn id(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The numbers planted in list.xls (see list.csv).
const XLS_NUMBERS: [&str; 6] = [
    "440304198811234565",
    "440304199207081237",
    "440304200102157894",
    "13723456789",
    "13856781234",
    "15912348765",
];

struct Planted {
    xlsx_ids: Vec<String>,
    xlsx_mobiles: Vec<String>,
    pdf_id: String,
}

fn planted() -> Planted {
    Planted {
        xlsx_ids: vec![
            id("32010219800512341"),
            id("32010219850101234"),
            id("51082419750303122"),
        ],
        xlsx_mobiles: vec!["13912345678".into(), "15087654321".into()],
        pdf_id: id("11010519491231002"),
    }
}

/// A one-page PDF whose text is `text`: a Type0 font with Identity-H (each character's
/// code is its UTF-16 unit) and a ToUnicode CMap saying so.
fn pdf(text: &str) -> Vec<u8> {
    let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let content = format!("BT /F1 12 Tf 72 700 Td <{hex}> Tj ET");
    let mut units: Vec<u16> = text.encode_utf16().collect();
    units.sort_unstable();
    units.dedup();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CMapName /Identity-UTF16 def /CMapType 2 def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    for chunk in units.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for u in chunk {
            cmap.push_str(&format!("<{u:04X}> <{u:04X}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
    let objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H \
         /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len()),
    ];
    write_pdf(objects.into_iter().map(String::into_bytes).collect())
}

/// Numbered objects (1, 2 …) into a PDF file with a correct xref table.
fn write_pdf(objects: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A hostile PDF: `pages` pages sharing one content stream that inflates to 60 MB of
/// blanks (each page's text read inflates and parses it again).
fn hostile_pdf(pages: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let blanks = vec![b' '; 1024 * 1024];
    for _ in 0..60 {
        z.write_all(&blanks).unwrap();
    }
    let stream = z.finish().unwrap();
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", i + 4)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    ];
    let mut content = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        stream.len()
    )
    .into_bytes();
    content.extend_from_slice(&stream);
    content.extend_from_slice(b"\nendstream");
    objects.push(content);
    for _ in 0..pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>".to_vec(),
        );
    }
    write_pdf(objects)
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn xlsx(p: &Planted) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: Vec<[&str; 4]> = vec![
        ["序号", "姓名", "身份证号", "联系电话"],
        ["1", "张三", &p.xlsx_ids[0], &p.xlsx_mobiles[0]],
        ["2", "李四", &p.xlsx_ids[1], &p.xlsx_mobiles[1]],
        ["3", "王五", &p.xlsx_ids[2], "138****1234"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn file(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

fn html(body: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>示例县</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

fn router() -> Router {
    let p = planted();
    let pdf_bytes = pdf(&format!(
        "关于人民攻府工作的报告 经办人身份证号{}",
        p.pdf_id
    ));
    let docx_bytes = docx(&["热烈庆祝中华人民共合国成立", "联系电话：0917-1234567"]);
    let xlsx_bytes = xlsx(&p);
    let xls_bytes = std::fs::read("tests/fixtures/attachments/list.xls").unwrap();
    let hostile = hostile_pdf(3000);
    let column = r#"<ul class="list">
        <li><a href="/art/1.html">城乡居民救助名单公示</a><span>2020-09-08</span></li>
        </ul>"#;
    let page = r#"<h1>城乡居民救助名单公示</h1><p>现将名单予以公示。</p>
        <p>附件：<a href="/files/1.xlsx">名单.xlsx</a>
        <a href="/files/2.xls">低保名单.xls</a>
        <a href="/files/3.docx">通知.docx</a>
        <a href="/files/4.pdf">报告.pdf</a>
        <a href="/files/5.pdf">年报.pdf</a></p>"#;
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    support::fixture_routes().merge(
        Router::new()
            .route(
                "/",
                get(|| async { html("<a href=\"/col/news/\">通知公告</a>") }),
            )
            .route("/col/news/", get(move || async move { html(column) }))
            .route("/art/1.html", get(move || async move { html(page) }))
            .route(
                "/files/1.xlsx",
                get(move || async move { file(XLSX, xlsx_bytes) }),
            )
            .route(
                "/files/2.xls",
                get(move || async move { file("application/vnd.ms-excel", xls_bytes) }),
            )
            .route(
                "/files/3.docx",
                get(move || async move { file(DOCX, docx_bytes) }),
            )
            .route(
                "/files/4.pdf",
                get(move || async move { file("application/pdf", pdf_bytes) }),
            )
            .route(
                "/files/5.pdf",
                get(move || async move { file("application/pdf", hostile) }),
            ),
    )
}

fn catalog(base: &str) -> Catalog {
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[unit]]\nname = \"县财政局\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"通知公告\"\nurl = \"{base}/col/news/\"\nunits = [\"县财政局\"]\nclass = \"notice\"\n"
    );
    let loaded = load_texts(&[(Path::new("attachments.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn clock_at(day: NaiveDate) -> Clock {
    Clock::new(start_of_day(day, Shanghai) + Duration::hours(10), Shanghai)
}

async fn attachments_are_read_in_a_child_and_a_hostile_pdf_is_unreadable(url: String) {
    let store = Store::open(&url).await.unwrap();
    let server = FixtureServer::with_router("127.0.0.1", router()).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base);
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.content.attachment_timeout_s = 3;
    settings.content.extractor = Some(env!("CARGO_BIN_EXE_govwatch").into());
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    let day1 = NaiveDate::from_ymd_opt(2020, 9, 15).unwrap();
    let run = async |day: NaiveDate| {
        let clock = clock_at(day);
        let env = Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &catalog,
            settings: &settings,
            clock: &clock,
        };
        cycle::run(env, &CycleOptions::default(), &|_| {})
            .await
            .unwrap()
    };

    let started = Instant::now();
    let report = run(day1).await;
    let content_report = &report.links.content;
    assert_eq!(content_report.attachments, 4, "{content_report:?}");
    assert_eq!(content_report.unreadable, 1, "the hostile PDF");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(3),
        "the hostile PDF ran into its time limit (3 s), it did not fail fast"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the hostile PDF was cut at its time limit ({:?})",
        started.elapsed()
    );
    assert!(
        report.links.broken.is_empty(),
        "the attachments' GETs are their link checks: {:?}",
        report.links.broken
    );
    let mut open = store.findings(&FindingFilter::default()).await.unwrap();
    open.retain(|f| matches!(f.kind, Kind::ContentError | Kind::PrivacyLeak));
    let mut sentences: Vec<String> = open.iter().map(wording::sentence).collect();
    sentences.sort();
    assert_eq!(
        sentences,
        [
            "县财政局网站《城乡居民救助名单公示》附件《低保名单.xls》存在错误表述“中华人民共合国”，应为“中华人民共和国”",
            "县财政局网站《城乡居民救助名单公示》附件《低保名单.xls》泄露个人信息（身份证号3处、手机号3处）",
            "县财政局网站《城乡居民救助名单公示》附件《名单.xlsx》泄露个人信息（身份证号3处、手机号2处）",
            "县财政局网站《城乡居民救助名单公示》附件《报告.pdf》存在错误表述“攻府”，应为“政府”",
            "县财政局网站《城乡居民救助名单公示》附件《报告.pdf》泄露个人信息（身份证号1处）",
            "县财政局网站《城乡居民救助名单公示》附件《通知.docx》存在错误表述“中华人民共合国”，应为“中华人民共和国”",
        ]
    );

    // Unchanged files are confirmed without another extraction, the unreadable one too:
    // its bytes are the same, so it is still unreadable, and not given another 3 s.
    let started = Instant::now();
    let report = run(day1 + Duration::days(1)).await;
    assert_eq!(
        report.links.content.attachments, 0,
        "{:?}",
        report.links.content
    );
    assert_eq!(
        report.links.content.unchanged, 8,
        "3 pages and 5 attachments"
    );
    assert_eq!(
        report.links.content.unreadable, 1,
        "the hostile PDF, as before"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the hostile PDF was not extracted again ({:?})",
        started.elapsed()
    );

    // The export names the attachment of every hit.
    let records = store.findings(&FindingFilter::default()).await.unwrap();
    let today = day1 + Duration::days(1);
    let export = content::content_export(&records, "2020Q3".parse::<Period>().unwrap(), today);
    let mut named: Vec<&str> = export
        .hits
        .iter()
        .map(|h| h.attachment.as_deref().unwrap_or("-"))
        .collect();
    named.dedup();
    named.sort_unstable();
    named.dedup();
    assert_eq!(
        named,
        ["低保名单.xls", "名单.xlsx", "报告.pdf", "通知.docx"]
    );
    assert!(
        export
            .hits
            .iter()
            .all(|h| h.page_url == format!("{base}/art/1.html"))
    );
    let json = serde_json::to_string(&export).unwrap();
    let table = content::table("2020年三季度内容安全问题清单", &export);
    let csv = govwatch::report::csv::to_bytes(&table);

    // No planted full number anywhere.
    store.close().await;
    let stored = support::db::database_text(&url).await;
    let p = planted();
    let numbers: Vec<String> = p
        .xlsx_ids
        .iter()
        .chain(&p.xlsx_mobiles)
        .chain(std::iter::once(&p.pdf_id))
        .cloned()
        .chain(XLS_NUMBERS.iter().map(|s| s.to_string()))
        .collect();
    for n in &numbers {
        for (what, text) in [
            ("database", stored.as_str()),
            ("json", json.as_str()),
            ("csv", &String::from_utf8_lossy(&csv)),
        ] {
            assert!(!text.contains(n.as_str()), "{n} found in the {what}");
        }
    }
    assert!(stored.contains("139****5678"), "masked forms are kept");
}
