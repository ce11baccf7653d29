//! Apps whose URL templates are the same up to variable names
//! (`https://github.com/{+id}` twice): every URL one makes, the other makes too, so
//! their App URLs are ambiguous and the router opens none of them with a program
//! (README: The web-link router). `check` warns about each such pair.

use hashbrown::HashMap;

use super::Index;
use crate::diagnostic::{Diagnostic, Label, Location};

/// `template` with every variable name replaced by `_`, operators and modifiers kept.
fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expression = &rest[open + 1..open + close];
        out.push('{');
        let body = match expression.chars().next() {
            Some(op @ ('+' | '#' | '.' | '/' | ';' | '?' | '&')) => {
                out.push(op);
                &expression[1..]
            }
            _ => expression,
        };
        let vars: Vec<String> = body
            .split(',')
            .map(|var| match var.find([':', '*']) {
                Some(at) => format!("_{}", &var[at..]),
                None => "_".to_owned(),
            })
            .collect();
        out.push_str(&vars.join(","));
        out.push('}');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A warning on each app whose template has the same shape as an earlier app's.
pub(crate) fn warn(index: &Index, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<String, &str> = HashMap::new();
    for app in index.apps() {
        let Some(template) = index.template(app) else { continue };
        let Some(earlier) = first.get(&shape(template.as_str())).copied() else {
            first.insert(shape(template.as_str()), app.id.as_str());
            continue;
        };
        let Some((file, def)) = index.app_def_place(app) else { continue };
        let label = Label::at(
            Location { file: file.path.clone(), line: def.at.line, column: def.at.column },
            "this app's template",
        );
        let message = format!(
            "`{}` and `{earlier}` have the same URL template up to variable names (`{}`): their App URLs are \
             ambiguous: where the two apps open links differently, the router runs neither's program and sends \
             them to the fallback browser",
            app.id,
            template.as_str()
        );
        diagnostics.push(Diagnostic::warning(message, label).with_hint(Some(
            "give each kind of object its own, more specific template (a path segment that tells them apart)",
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn shapes_ignore_variable_names_only() {
        assert_eq!(shape("https://github.com/{+id}"), shape("https://github.com/{+path}"));
        assert_eq!(shape("https://zoom.us/j/{id}{?pwd}"), shape("https://zoom.us/j/{x}{?y}"));
        assert_ne!(shape("https://github.com/{+id}"), shape("https://github.com/{id}"));
        assert_ne!(shape("https://a.example/{id:3}"), shape("https://a.example/{id}"));
        assert_eq!(shape("https://a.example/{?a,b*}"), "https://a.example/{?_,_*}");
    }
}
