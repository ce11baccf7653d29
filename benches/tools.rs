//! Helpers for `scripts/bench` (one binary, built with `cargo bench --no-run`):
//!
//! - `limit ADDR`: the limit server: hyper with applinkd's settings, one fixed `302`, no lookup.
//! - `bare-parse DIR`: parse every `*.toml` below DIR into a `toml::Table`, one thread, no checks.
//! - `phases DIR`: applinkd's load in process: parse (all cores), then index build, timed apart.
//! - `reload URL FILE PATH OLD NEW N`: N times, rewrite FILE replacing OLD by NEW (and back) and
//!   time from the write's return to the first `GET PATH` answer carrying the new URL.
//! - `structural DIR`: in process, what a daemon's reload does for structural edits of one
//!   of DIR's files (a record added, then removed, an app added, then removed): re-read
//!   and parse, then the index (patched or rebuilt), timed apart. Restores the files.

use std::convert::Infallible;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("limit") => limit(&args[1]),
        Some("bare-parse") => bare_parse(&args[1]),
        Some("phases") => phases(&args[1]),
        Some("reload") => reload(&args[1..]),
        Some("structural") => structural(&args[1]),
        _ => eprintln!(
            "usage: tools limit ADDR | bare-parse DIR | phases DIR | reload URL FILE PATH OLD NEW N | structural DIR"
        ),
    }
}

fn limit(addr: &str) {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioIo, TokioTimer};
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        eprintln!("serving on http://{}/", listener.local_addr().unwrap());
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .max_buf_size(16 * 1024)
            .keep_alive(true);
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            let service = service_fn(|_request| async {
                let mut response = hyper::Response::new(http_body_util::Full::new(hyper::body::Bytes::new()));
                *response.status_mut() = hyper::StatusCode::FOUND;
                let headers = response.headers_mut();
                headers.insert(
                    "location",
                    hyper::header::HeaderValue::from_static(
                        "https://us1.admin.mailchimp.com/lists/members/view?id=48616032",
                    ),
                );
                headers.insert("cache-control", hyper::header::HeaderValue::from_static("no-store"));
                Ok::<_, Infallible>(response)
            });
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::spawn(connection);
        }
    });
}

fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

fn bare_parse(dir: &str) {
    let files = toml_files(dir);
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let started = Instant::now();
    let mut tables = 0;
    for text in &texts {
        let table: toml::Table = toml::from_str(text).unwrap();
        tables += table.len();
    }
    println!("bare-parse {:.3} s ({} files, {tables} top-level keys)", started.elapsed().as_secs_f64(), files.len());
}

fn phases(dir: &str) {
    let started = Instant::now();
    let catalog = applinkd::Catalog::load(vec![dir.into()]);
    let parsed = started.elapsed();
    let started = Instant::now();
    let mut index = catalog.index();
    let mut built = started.elapsed();
    // Again, for a steadier figure (and for profiling the build alone).
    for _ in 0..std::env::var("PHASES_REPEAT").ok().and_then(|n| n.parse().ok()).unwrap_or(2) {
        let started = Instant::now();
        index = catalog.index();
        built = built.min(started.elapsed());
    }
    println!(
        "parse {:.3} s, index {:.3} s, {} links, {} records, reverse index {} bytes ({:.1} bytes/link)",
        parsed.as_secs_f64(),
        built.as_secs_f64(),
        index.link_count(),
        index.records().len(),
        index.reverse_heap_bytes(),
        index.reverse_heap_bytes() as f64 / index.link_count().max(1) as f64,
    );
}

fn reload(args: &[String]) {
    let [base, file, path, old, new, n] = args else { panic!("reload URL FILE PATH OLD NEW N") };
    let n: usize = n.parse().unwrap();
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder().max_redirects(0).http_status_as_error(false).build(),
    );
    let location = |agent: &ureq::Agent| {
        let response = agent.get(format!("{base}{path}")).call().expect("request");
        assert!(response.status() == 302 || response.status() == 404, "status {}", response.status());
        response.headers().get("location").map(|l| l.to_str().unwrap().to_owned())
    };
    // A light steady load meanwhile (about 200 requests a second), which must never fail.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background = {
        let (stop, base, path) = (stop.clone(), base.clone(), path.clone());
        std::thread::spawn(move || {
            let agent = ureq::Agent::new_with_config(
                ureq::config::Config::builder().max_redirects(0).http_status_as_error(false).build(),
            );
            let (mut served, mut failed) = (0u64, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match agent.get(format!("{base}{path}")).call() {
                    Ok(r) if r.status() == 302 => served += 1,
                    _ => failed += 1,
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            (served, failed)
        })
    };
    let original = std::fs::read_to_string(file).unwrap();
    assert!(original.contains(old.as_str()), "{file} does not contain {old}");
    let mut times = Vec::new();
    let mut failures = 0;
    for round in 0..n {
        let (from, to) = if round % 2 == 0 { (old, new) } else { (new, old) };
        let text = if round % 2 == 0 { original.replacen(from.as_str(), to, 1) } else { original.clone() };
        let expected = to.trim_matches('"').to_owned();
        // Write beside and rename: what editors do, and one event, not two.
        let tmp = format!("{file}.bench-tmp");
        std::fs::write(&tmp, &text).unwrap();
        std::fs::rename(&tmp, file).unwrap();
        let started = Instant::now();
        loop {
            match location(&agent) {
                Some(l) if l.ends_with(expected.as_str()) => break,
                Some(_) => {}
                None => failures += 1,
            }
            assert!(started.elapsed() < Duration::from_secs(30), "no reload after 30 s");
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(200)); // let the server settle between rounds
    }
    std::fs::write(file, &original).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (served, failed) = background.join().unwrap();
    failures += failed;
    println!("steady load: {served} requests served, {failed} failed");
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "reload median {median:.1} ms, min {:.1} ms, max {:.1} ms over {n} rounds; {failures} failed requests",
        times[0],
        times[times.len() - 1]
    );
}

fn structural(dir: &str) {
    let files = toml_files(dir);
    let target = files[files.len() / 2].clone();
    let original = std::fs::read_to_string(&target).unwrap();
    let mut catalog = applinkd::Catalog::load(vec![dir.into()]);
    let mut index = catalog.index();
    let record = "\n[[person]]\nname = \"Structural\"\nlinks = [{ app = \"github.com\", id = \"structural-1\", url = \"https://github.com/s1\" }]\n";
    let app = "\n[apps.\"structural.example\"]\nurl = \"https://structural.example/{id}\"\n";
    let middle = original.find("\n[[person]]").map_or(0, |_| {
        let half = original.len() / 2;
        half + original[half..].find("\n[[").unwrap()
    });
    let removed = {
        let end = middle + 1 + original[middle + 1..].find("\n[[").unwrap();
        format!("{}{}", &original[..middle], &original[end..])
    };
    let edits: Vec<(&str, String)> = vec![
        ("record added at the end", format!("{original}{record}")),
        ("record removed at the end", original.clone()),
        ("record added in the middle", format!("{}{record}{}", &original[..middle], &original[middle..])),
        ("record removed in the middle", original.clone()),
        ("record removed (an old one)", removed),
        ("record put back", original.clone()),
        ("app added", format!("{app}{original}")),
        ("app removed", original.clone()),
    ];
    // `STRUCTURAL_ONLY=N`: only the Nth edit (and the one undoing it), for profiling.
    let only: Option<usize> = std::env::var("STRUCTURAL_ONLY").ok().and_then(|n| n.parse().ok());
    for _ in 0..if only.is_some() { 10 } else { 3 } {
        for (n, (what, text)) in edits.iter().enumerate() {
            if only.is_some_and(|o| n / 2 != o / 2) {
                continue;
            }
            std::fs::write(&target, text).unwrap();
            let started = Instant::now();
            catalog.refresh(std::slice::from_ref(&target), true);
            let read = started.elapsed();
            let (next, patched) = catalog.index_from(&index);
            let indexed = started.elapsed() - read;
            let before = started.elapsed();
            drop(std::mem::replace(&mut index, next));
            let dropped = started.elapsed() - before;
            let before = started.elapsed();
            applinkd::memory::release_freed();
            let trimmed = started.elapsed() - before;
            let total = started.elapsed();
            println!(
                "{what:<30} {:>7.1} ms (read {:.1}, index {:.1}, drop {:.1}, trim {:.1})  patched={patched} links={}",
                total.as_secs_f64() * 1000.0,
                read.as_secs_f64() * 1000.0,
                indexed.as_secs_f64() * 1000.0,
                dropped.as_secs_f64() * 1000.0,
                trimmed.as_secs_f64() * 1000.0,
                index.link_count()
            );
        }
    }
    std::fs::write(&target, &original).unwrap();
}
