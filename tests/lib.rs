//! Integration tests: the real `applinkd` binary against files in temp directories.
//! One test binary (modules below), so it links once.

mod daemon;
mod desktop;
mod test;

mod alert;
mod browser;
mod cdp;
mod check;
mod config_paths;
mod confinement;
mod conflicts;
mod edit;
mod extension;
mod hardening;
mod help;
mod identify;
mod list;
mod native_host;
mod newcomer;
mod open;
mod packaging;
mod readme;
mod register;
mod reload;
mod replicas;
mod resolve;
mod robustness;
mod router;
mod serve;
mod transactions;
mod uritemplate;
