//! The `words` part: how fast a page's text is scanned for 错敏词, in this process (no
//! server, no child, no outside tool). The text is the reader's text (`page_text`) of
//! every HTML fixture under `tests/fixtures/`, cycled to `--words-mb` MB (default 4) with
//! a wrong form planted about every 4 KB; the word list is govwatch's built-in list plus
//! generated entries up to `--word-count` (default 10,000): each a 3–6 character run of
//! that text with one character swapped for another of the text's characters, the way
//! real entries are a name with one wrong character (deterministic seed, so every run
//! scans the same text with the same list).
//!
//! Timed over the same bytes: a plain byte scan (a byte sum the compiler vectorises, and
//! memchr counting line breaks), daachorse's charwise and bytewise automata and the
//! aho-corasick crate's (its default choice and its DFA), every one reporting
//! overlapping matches as govwatch needs; and govwatch's own `Lexicon` (fold to
//! simplified, then daachorse, then the allow and right-form rules). Median of `--reps`
//! passes after a warm-up; MB/s (10^6 bytes) and the ratio to the byte sum.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use daachorse::{CharwiseDoubleArrayAhoCorasick, DoubleArrayAhoCorasick};
use govwatch::extract::content::{Lexicon, WordEntry, fold, page_text};

/// What the bench was asked for.
pub struct Spec {
    pub mb: usize,
    pub words: usize,
    pub reps: usize,
}

/// SplitMix64: a small deterministic generator, enough to pick characters.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The reader's text of every `.html`/`.htm` under `dir`, in path order.
fn fixture_text(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html" || e == "htm") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut text = String::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        // GBK fixtures are left out rather than decoded: enough UTF-8 ones remain.
        if let Ok(html) = String::from_utf8(bytes) {
            text.push_str(&page_text(&html));
            text.push('\n');
        }
    }
    text
}

/// `count` entries: the built-in list, then generated one-wrong-character runs of `text`.
fn word_list(text: &[char], cjk: &[char], count: usize, rng: &mut Rng) -> Vec<WordEntry> {
    let mut entries = govwatch::extract::content::words::builtin_words();
    let mut seen: HashSet<String> = entries.iter().map(|e| e.wrong.clone()).collect();
    let mut tries = 0;
    while entries.len() < count {
        tries += 1;
        assert!(
            tries < count * 1000,
            "cannot generate {count} distinct entries"
        );
        let len = 3 + rng.below(4);
        let start = rng.below(text.len() - len);
        let right: Vec<char> = text[start..start + len].to_vec();
        if !right.iter().all(|&c| is_cjk(c)) {
            continue;
        }
        let mut wrong = right.clone();
        let at = rng.below(len);
        wrong[at] = cjk[rng.below(cjk.len())];
        if wrong == right {
            continue;
        }
        let wrong: String = wrong.into_iter().collect();
        if !seen.insert(wrong.clone()) {
            continue;
        }
        entries.push(WordEntry {
            wrong,
            right: Some(right.into_iter().collect()),
            category: "其他".into(),
            since: None,
            source: format!("bench:{}", entries.len()),
        });
    }
    entries
}

/// `mb` MB of `base` cycled, a wrong form of `entries` planted about every 4 KB.
fn scan_text(base: &str, entries: &[WordEntry], mb: usize, rng: &mut Rng) -> String {
    let target = mb * 1_000_000;
    let mut text = String::with_capacity(target + 8192);
    let mut since_plant = 0;
    while text.len() < target {
        for line in base.lines() {
            text.push_str(line);
            text.push('\n');
            since_plant += line.len() + 1;
            if since_plant >= 4096 {
                text.push_str(&entries[rng.below(entries.len())].wrong);
                text.push_str("。\n");
                since_plant = 0;
            }
            if text.len() >= target {
                break;
            }
        }
    }
    text
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median seconds of `reps` passes of `f` after one warm-up; every pass must return the
/// same count.
fn time(reps: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let expected = f();
    let mut secs = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        let n = f();
        secs.push(started.elapsed().as_secs_f64());
        assert_eq!(n, expected, "a pass counted something else");
    }
    (median(&mut secs), expected)
}

pub fn bench(spec: &Spec) -> String {
    let reps = spec.reps.max(1);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let base = fixture_text(&fixtures);
    let chars: Vec<char> = base.chars().collect();
    let mut cjk: Vec<char> = chars.iter().copied().filter(|&c| is_cjk(c)).collect();
    let cjk_in_base = cjk.len();
    cjk.sort_unstable();
    cjk.dedup();
    assert!(
        cjk_in_base > 1000,
        "too little Chinese text under {}",
        fixtures.display()
    );
    let mut rng = Rng(0x6076_A7C4_2100_0021);
    let entries = word_list(&chars, &cjk, spec.words, &mut rng);
    let text = fold(&scan_text(&base, &entries, spec.mb, &mut rng));
    let bytes = text.len();
    let mb = bytes as f64 / 1e6;
    let patterns: Vec<String> = entries.iter().map(|e| fold(&e.wrong)).collect();

    let build = Instant::now();
    let charwise = CharwiseDoubleArrayAhoCorasick::<u32>::new(&patterns).expect("daachorse");
    let charwise_build = build.elapsed().as_secs_f64();
    let build = Instant::now();
    let bytewise = DoubleArrayAhoCorasick::<u32>::new(&patterns).expect("daachorse");
    let bytewise_build = build.elapsed().as_secs_f64();
    let build = Instant::now();
    let ac_auto = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .expect("aho-corasick");
    let ac_auto_build = build.elapsed().as_secs_f64();
    let build = Instant::now();
    let ac_dfa = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("aho-corasick");
    let ac_dfa_build = build.elapsed().as_secs_f64();
    let build = Instant::now();
    let lexicon = Lexicon::new(entries.clone(), &[]);
    let lexicon_build = build.elapsed().as_secs_f64();

    let t = text.as_str();
    let (sum, _) = time(reps, || {
        black_box(t.as_bytes())
            .iter()
            .fold(0u64, |a, &b| a.wrapping_add(u64::from(b))) as usize
    });
    let (newlines_s, newlines) = time(reps, || {
        memchr::memchr_iter(b'\n', black_box(t.as_bytes())).count()
    });
    let (cw_s, cw) = time(reps, || {
        charwise.find_overlapping_iter(black_box(t)).count()
    });
    let (bw_s, bw) = time(reps, || {
        bytewise.find_overlapping_iter(black_box(t)).count()
    });
    let (aa_s, aa) = time(reps, || ac_auto.find_overlapping_iter(black_box(t)).count());
    let (ad_s, ad) = time(reps, || ac_dfa.find_overlapping_iter(black_box(t)).count());
    assert!(
        cw == bw && bw == aa && aa == ad,
        "the automata disagree: {cw} {bw} {aa} {ad}"
    );
    let (lex_s, lex) = time(reps, || lexicon.find(&fold(black_box(t)), None).len());

    let mut out = format!(
        "## words: 错敏词 scanning throughput in-process\n\n{mb:.1} MB of Chinese text ({} characters: the reader's text of the HTML fixtures under tests/fixtures, {} KB, cycled; a wrong form planted about every 4 KB) against {} entries ({} built in, the rest generated: a 3–6 character run of the text with one character swapped, seed fixed); overlapping matches; one warm-up pass, then the median of {reps}.\n\n| scan | build | median pass | MB/s | × byte sum | matches |\n|---|---|---|---|---|---|\n",
        text.chars().count(),
        base.len() / 1000,
        entries.len(),
        govwatch::extract::content::words::builtin_words().len(),
    );
    let rows: [(&str, Option<f64>, f64, String); 7] = [
        ("byte sum (plain byte scan)", None, sum, "-".into()),
        (
            "memchr count of line breaks",
            None,
            newlines_s,
            newlines.to_string(),
        ),
        (
            "daachorse charwise",
            Some(charwise_build),
            cw_s,
            cw.to_string(),
        ),
        (
            "daachorse bytewise",
            Some(bytewise_build),
            bw_s,
            bw.to_string(),
        ),
        (
            "aho-corasick (default kind)",
            Some(ac_auto_build),
            aa_s,
            aa.to_string(),
        ),
        ("aho-corasick DFA", Some(ac_dfa_build), ad_s, ad.to_string()),
        (
            "govwatch Lexicon (fold + daachorse + rules)",
            Some(lexicon_build),
            lex_s,
            format!("{lex} hits"),
        ),
    ];
    let mut line = String::from("words:");
    for (name, build, secs, matches) in rows {
        out.push_str(&super::row(&[
            name.to_string(),
            build.map_or("-".into(), |b| format!("{:.0} ms", b * 1000.0)),
            format!("{:.2} ms", secs * 1000.0),
            format!("{:.0}", mb / secs),
            format!("{:.3}", sum / secs),
            matches,
        ]));
        let key: String = name
            .split(" (")
            .next()
            .unwrap_or(name)
            .replace([' ', '-'], "_");
        let _ = write!(line, " {key}_mb_s={:.0}", mb / secs);
    }
    let _ = writeln!(
        out,
        "\nThe ratio is the byte sum's time over the scan's (the share of a plain pass over the bytes the scan reaches).\n\n{line} mb={mb:.1} entries={} reps={reps}",
        entries.len()
    );
    out
}
