//! Where link files come from when no `-c` is given (README: Command line).

use crate::test::{APPS, Test};

#[test]
fn applinkd_config_environment_variable() {
    Test::new()
        .file("mine/apps.toml", APPS)
        .env("APPLINKD_CONFIG", "mine")
        .args(["resolve", "zendesk.com", "1"])
        .run()
        .status(0)
        .stdout("https://acme.zendesk.com/agent/users/1\n");
}

#[test]
fn user_config_directory_by_default() {
    Test::new()
        .file("xdg-config/applinkd/apps.toml", APPS)
        .args(["resolve", "zendesk.com", "1"])
        .run()
        .status(0)
        .stdout("https://acme.zendesk.com/agent/users/1\n");
}

#[test]
fn dash_c_wins_over_the_environment() {
    Test::new()
        .file("given.toml", APPS)
        .env("APPLINKD_CONFIG", "elsewhere")
        .args(["check", "-c", "given.toml"])
        .run()
        .status(0);
}

#[test]
fn the_order_of_config_paths_never_settles_a_conflict() {
    Test::new()
        .file(
            "one.toml",
            "[[person]]\nname = \"A\"\nlinks = [{ app = \"a.com\", id = \"1\", url = \"https://a.com/one\" }]\n",
        )
        .file(
            "two.toml",
            "[[person]]\nname = \"A\"\nlinks = [{ app = \"a.com\", id = \"1\", url = \"https://a.com/two\" }]\n",
        )
        .args(["resolve", "-c", "two.toml", "-c", "one.toml", "a.com", "1"])
        .run()
        .status(1)
        .stderr_has("https://a.com/one")
        .stderr_has("https://a.com/two");
}

#[test]
fn missing_default_directory_is_an_error() {
    Test::new()
        .args(["resolve", "zendesk.com", "1"])
        .run()
        .status(1)
        .stderr_has("warning: 1 error(s) in the link files; what they hold is not applied")
        .stderr_has("`zendesk.com` is not an App ID any link file knows");
}
