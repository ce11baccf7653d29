//! In-process resolution (divan): nanoseconds and allocations per call for an exact
//! pair with an explicit URL, a template expansion, and `?to=` across a merge; and
//! identify: an App URL that is a link's URL, and one a template makes (20 templated apps).
//! Run with `cargo bench --bench resolve`.

use std::sync::Arc;

use applinkd::Index;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// 100,000 records with two links each: an explicit GitHub URL and a templated MailChimp id.
fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut text = String::from(
            "[apps.\"mailchimp.com\"]\nurl = \"https://us1.admin.mailchimp.com/lists/members/view?id={id}\"\n\n",
        );
        // 19 more templated apps, so that identify has templates to choose among.
        for n in 1..20 {
            text.push_str(&format!("[apps.\"app{n}.example\"]\nurl = \"https://app{n}.example/records/{{id}}\"\n\n"));
        }
        for n in 0..100_000 {
            text.push_str(&format!(
                "[[person]]\nname = \"P{n}\"\nlinks = [{{ app = \"github.com\", id = \"u{n}\", url = \"https://github.com/u{n}\" }}, {{ app = \"mailchimp.com\", id = \"{n}\" }}]\n"
            ));
        }
        let parsed = applinkd::loader::parse("bench.toml", text.as_bytes()).parsed.expect("valid");
        Index::build(vec![Arc::new(parsed)])
    })
}

#[divan::bench]
fn exact_pair(bencher: divan::Bencher) {
    let index = index();
    bencher
        .bench(|| index.resolve(divan::black_box("github.com"), divan::black_box("u54321"), None).map(|r| r.url.len()));
}

#[divan::bench]
fn exact_pair_mixed_case_app(bencher: divan::Bencher) {
    let index = index();
    bencher
        .bench(|| index.resolve(divan::black_box("GitHub.com"), divan::black_box("u54321"), None).map(|r| r.url.len()));
}

#[divan::bench]
fn template(bencher: divan::Bencher) {
    let index = index();
    bencher.bench(|| {
        index.resolve(divan::black_box("mailchimp.com"), divan::black_box("99999999"), None).map(|r| r.url.len())
    });
}

#[divan::bench]
fn to_other_app(bencher: divan::Bencher) {
    let index = index();
    bencher.bench(|| {
        index
            .resolve(divan::black_box("mailchimp.com"), divan::black_box("54321"), Some("github.com"))
            .map(|r| r.url.len())
    });
}

#[divan::bench]
fn identify_link_url(bencher: divan::Bencher) {
    let index = index();
    bencher.bench(|| index.identify(divan::black_box("https://github.com/u54321")).map(|m| m.len()));
}

#[divan::bench]
fn identify_template_url(bencher: divan::Bencher) {
    let index = index();
    bencher.bench(|| {
        index
            .identify(divan::black_box("https://us1.admin.mailchimp.com/lists/members/view?id=99999999"))
            .map(|m| m.len())
    });
}

#[divan::bench]
fn go_from_link_url(bencher: divan::Bencher) {
    let index = index();
    bencher.bench(|| {
        index.resolve_url(divan::black_box("https://github.com/u54321"), "mailchimp.com").map(|r| r.url.len())
    });
}

/// What identify cannot avoid: parsing and canonicalising the App URL (WHATWG).
#[divan::bench]
fn url_parse_alone(bencher: divan::Bencher) {
    bencher.bench(|| {
        url::Url::parse(divan::black_box("https://us1.admin.mailchimp.com/lists/members/view?id=99999999"))
            .map(|u| u.as_str().len())
    });
}
