//! applinkd resolves App Links: a record's (App ID, Unique ID) pair → its URL in that
//! application, from hand-edited TOML link files. See `README.md`, which is the contract.
//!
//! The core is pure: files are parsed and validated into types that cannot hold bad
//! values, combined into an immutable [`Index`], and [`Index::resolve`] needs no I/O.
//! The daemon, the watcher, the opener, the registrar and the command line are edges
//! that use it.
//!
//! # Layout
//! - `app_id`: `AppId`, the lower-case domain naming an application.
//! - `unique_id`: `UniqueId`, a record's id inside its application.
//! - `scheme`: allowed and never-allowed URL schemes.
//! - `link_url`: `LinkUrl`, a checked absolute URL written on a link.
//! - `template/`: `UrlTemplate`, a checked RFC 6570 template: parse, safe expansion, inversion.
//! - `diagnostic`: `Diagnostic`, a located error or warning, and its rendering.
//! - `source_text`: byte spans → `line:column` and snippets.
//! - `parsed_file`: `ParsedFile`, one file's validated apps, records and links.
//! - `loader`: one file's bytes → `ParsedFile` or every error in it.
//! - `config_paths`: which files, in which order; the default config directory.
//! - `confine`: the link directory as a boundary: which real paths are inside the config roots.
//! - `catalog`: `Catalog`, the files in force, each keeping its last good version.
//! - `index/`: `Index`, all files combined: merges, aliases, conflicts, lookups, the
//!   reverse lookups identify uses, patches for reloads, and the copy-on-write storage they share.
//! - `resolve`: resolution on the index (README: Link files), and `NotFound`.
//! - `identify`: an App URL → the (app, id) pairs it is, best first, within a work budget (README: identify).
//! - `url_parts`: `UrlParts`, a canonical URL cut into origin, path, query, fragment.
//! - `target`: `Target`, a TARGET a user gives: `APP ID`, `applink://`, the daemon's URL, an App URL.
//! - `report`: JSON shapes and answers (resolve, show, records, errors), for CLI and API alike.
//! - `live`: `Live`, the snapshot in force, swapped whole on reload (arc-swap).
//! - `memory`: the allocator's thresholds, and memory freed by parsing given back.
//! - `watcher`: file system events (notify) → reloads of the changed files.
//! - `server/`: the HTTP daemon (hyper): routes, Host guard, pages, JSON API, metrics, deadlines.
//! - `lookup`: the CLI's resolution: the running daemon first, else the files.
//! - `proof`: whether a daemon is the user's own: a private secret, and an HMAC of a client's nonce.
//! - `opener`: the one launcher of what `open` starts (browser, system opener, `open_with`, fallback), with the loop marker.
//! - `browser/`: the web-link router (README: The web-link router): where a clicked URL goes, the fallback browser, desktop files' `Exec`.
//! - `alert`: a failure of `open` shown where the person is: daemon page, desktop notification.
//! - `register/`: becoming the `applink://` handler, and (`--browser`) the `http`/`https` one, and (`--extension`) the native host manifests: plans for Linux, macOS, Windows.
//! - `edit/`: changes to link files (add, rm, app, import): format-preserving, checked, and
//!   written as one transaction (lock, compare-and-swap, all or nothing, postcondition).
//! - `formats/`: import and export formats: Cloze's JSON, CSV, JSON lines; `records`, what an input holds, kept compactly.
//! - `native_host/`: the browser extension's native messaging host: framing, requests, the caller check.
//! - `cli/`: the command line (`check`, `resolve`, `show`, `list`, `open`, `serve`, `register`,
//!   `add`, `rm`, `app`, `import`, `export`, `native-host`).

pub mod alert;
pub mod app_id;
pub mod browser;
pub mod catalog;
pub mod cli;
pub mod config_paths;
pub mod confine;
pub mod diagnostic;
pub mod edit;
pub mod formats;
pub mod identify;
pub mod index;
pub mod link_url;
pub mod live;
pub mod loader;
pub mod lookup;
pub mod memory;
pub mod native_host;
pub mod opener;
pub mod parsed_file;
pub mod proof;
pub mod register;
pub mod report;
pub mod resolve;
pub mod scheme;
pub mod server;
pub mod source_text;
pub mod target;
pub mod template;
pub mod unique_id;
pub mod url_parts;
pub mod watcher;

pub use catalog::Catalog;
pub use index::Index;
pub use resolve::{NotFound, Resolution, Resolved};
