//! `govwatch demo`: runs the built-in simulated county (see [`crate::demo`]) and shows
//! the findings govwatch records for it, then the commands to look further.

use std::path::PathBuf;

use clap::Parser;

use crate::demo::{self, DemoDir};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo's config, database and outbox.
    #[arg(long, value_name = "DIR", default_value = "govwatch-demo")]
    dir: PathBuf,
    /// Keep the county and the office console up after the run, on --listen, until
    /// Ctrl-C; prints the console's address and the demo logins.
    #[arg(long)]
    serve: bool,
    /// The console's address with --serve.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9187")]
    listen: String,
}

/// The `findings` command's flags, parsed as if typed, so the demo prints its table.
#[derive(Parser)]
struct FindingsFlags {
    #[command(flatten)]
    args: super::findings::FindingsArgs,
}

pub async fn run(args: DemoArgs, now: Option<&str>) -> anyhow::Result<u8> {
    let dir = DemoDir::new(&args.dir);
    println!("正在本机（127.0.0.1）启动模拟的示例县网站……");
    let run = demo::run(&dir, now, &|_| {}).await?;
    println!(
        "示例县网站地址：{}；监测目录已写入{}",
        run.county.base(),
        dir.config().display()
    );
    for (day, report) in &run.cycles {
        let failed = report
            .crawl
            .columns
            .iter()
            .filter(|c| c.failure.is_some())
            .count();
        println!(
            "{day}检查：读取栏目{}个（{failed}个失败），新发现问题{}个，仍未整改{}个",
            report.crawl.columns.len(),
            report.detect.opened,
            report.detect.confirmed
        );
    }
    println!();
    let flags = FindingsFlags::try_parse_from(["findings", "--open"])?;
    super::findings::run(&run.app, flags.args).await?;
    let config = dir.config();
    let db = dir.database_url();
    println!();
    for delivery in run.email.all() {
        if let Some(path) = &delivery.eml_path {
            println!("周报邮件（{}）：{}", delivery.recipient, path.display());
        }
    }
    println!("数据库：{}", dir.database().display());
    println!("接下来可以运行：");
    // The same clock for what the user tries next, so the lines show what the demo saw.
    let me = match now {
        Some(now) => format!("{} --now {}", invocation(), shell_word(now)),
        None => invocation(),
    };
    let config = shell_word(&config.display().to_string());
    let db = shell_word(&db);
    println!("  {me} --config {config} --database {db} findings --open");
    let quarter = crate::detect::period::Period::last_completed_quarter(run.app.clock.today());
    println!("  {me} --config {config} --database {db} export columns --period {quarter}");
    println!("  {me} --config {config} catalog show");
    if args.serve {
        serve(run, &args.listen).await?;
    }
    Ok(super::EXIT_OK)
}

/// Keeps the county up and serves the console on `listen` with two demo logins: the
/// office's, and the clerk of the unit with the most open findings.
async fn serve(run: demo::DemoRun, listen: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;

    use crate::console::auth;
    use crate::store::Role;

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (choose another with --listen)"))?;
    let store = run.app.open_store().await?;
    let open = store
        .findings(&crate::store::FindingFilter {
            open_only: true,
            ..Default::default()
        })
        .await?;
    let loaded = run.app.catalog()?;
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in &open {
        for unit in &loaded.catalog.units {
            if f.unit
                .as_deref()
                .is_some_and(|u| u.split('、').any(|n| n == unit.name))
            {
                *counts.entry(unit.name.as_str()).or_default() += 1;
            }
        }
    }
    let clerk_unit = counts
        .iter()
        .max_by_key(|(name, n)| (**n, std::cmp::Reverse(**name)))
        .map(|(name, _)| name.to_string());
    let password = auth::new_token()[..12].to_string();
    let hash = auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let now = run.app.clock.now();
    let mut logins = vec![("demo".to_string(), Role::Office, None)];
    if let Some(unit) = clerk_unit {
        logins.push(("demo-unit".to_string(), Role::Unit, Some(unit)));
    }
    for (name, role, unit) in &logins {
        if store.user(name).await?.is_some() {
            store.set_password(name, &hash, now).await?;
            store.set_disabled(name, None).await?;
        } else {
            store
                .add_user(name, *role, unit.as_deref(), &hash, now)
                .await?;
        }
    }
    store.close().await;
    let addr = listener.local_addr()?;
    println!();
    println!("控制台：http://{addr}/（按 Ctrl-C 停止）");
    for (name, role, unit) in &logins {
        println!(
            "  演示账号 {name}，密码 {password}（{}{}）",
            role.zh(),
            unit.as_deref()
                .map(|u| format!("：{u}"))
                .unwrap_or_default()
        );
    }
    let demo::DemoRun { app, county, .. } = run;
    crate::serve::run(app, listener, crate::serve::signals()).await?;
    drop(county);
    Ok(())
}

/// How to run this same govwatch again from the same folder, as a line the user can
/// paste: `cargo run --` (with `--release` for a release build) when cargo started it,
/// `govwatch` when that name on the PATH is this program, else the program's full path.
fn invocation() -> String {
    let exe = std::env::current_exe().ok();
    let exe = exe.map(|p| p.canonicalize().unwrap_or(p));
    let under_cargo = std::env::var_os("CARGO").is_some()
        && std::env::var_os("CARGO_MANIFEST_DIR").is_some_and(|dir| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::path::Path::new(&dir).join("target"));
            let target = target.canonicalize().unwrap_or(target);
            exe.as_ref().is_some_and(|e| e.starts_with(&target))
        });
    if under_cargo {
        return if cfg!(debug_assertions) {
            "cargo run --".into()
        } else {
            "cargo run --release --".into()
        };
    }
    let Some(exe) = exe else {
        return "govwatch".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            dir.join("govwatch")
                .canonicalize()
                .is_ok_and(|found| found == exe)
        })
    });
    if on_path {
        "govwatch".into()
    } else {
        shell_word(&exe.display().to_string())
    }
}

/// Quotes a word for a POSIX shell when it holds anything but plain path characters.
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:+=@%,".contains(c));
    if plain && !word.is_empty() {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
