//! The guide as text: plain (the terminal; `**` marks dropped) or Markdown
//! (a handout for whoever has portal access). One walk over the data, two
//! spellings.

use super::{PermissionKind, SetupGuide, Step};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
}

pub fn render(g: &SetupGuide, f: Format) -> String {
    let md = f == Format::Markdown;
    let mut out = String::new();
    let _ = if md {
        writeln!(out, "# Setting up “{}” in the portal\n", g.profile)
    } else {
        writeln!(out, "Setting up “{}” in the portal\n", g.profile)
    };
    for (i, s) in g.sections.iter().enumerate() {
        let n = i + 1;
        let _ = if md { writeln!(out, "## {n}. {}\n", s.title) } else { writeln!(out, "{n}. {}", s.title) };
        if let Some(link) = &s.link {
            let _ = if md { writeln!(out, "Open: <{link}>\n") } else { writeln!(out, "   Open: {link}") };
        }
        for step in &s.steps {
            step_to(&mut out, step, md);
        }
        out.push('\n');
    }
    out.trim_end().to_owned() + "\n"
}

fn plain(text: &str) -> String {
    text.replace("**", "")
}

fn step_to(out: &mut String, step: &Step, md: bool) {
    match step {
        Step::Say { text } if md => {
            let _ = writeln!(out, "- {text}");
        }
        Step::Say { text } => {
            let _ = writeln!(out, "   - {}", plain(text));
        }
        Step::Value { label, value } if md => {
            let _ = writeln!(out, "- {label}: `{value}`");
        }
        Step::Value { label, value } => {
            let _ = writeln!(out, "   - {label}: {value}");
        }
        Step::Permissions { rows } if rows.is_empty() => {}
        Step::Permissions { rows } => {
            let kind = |k: PermissionKind| match k {
                PermissionKind::Delegated => "Delegated",
                PermissionKind::Application => "Application",
            };
            if md {
                let _ =
                    writeln!(out, "\n| API | Permission | Type | Admin consent | Used for |\n|---|---|---|---|---|");
                for r in rows {
                    let consent = if r.admin_consent { "required" } else { "no" };
                    let _ =
                        writeln!(out, "| {} | `{}` | {} | {consent} | {} |", r.api, r.permission, kind(r.kind), r.why);
                }
                out.push('\n');
            } else {
                for r in rows {
                    let consent = if r.admin_consent { ", admin consent" } else { "" };
                    let _ = writeln!(out, "     * {} → {} ({}{consent}): {}", r.api, r.permission, kind(r.kind), r.why);
                }
            }
        }
        Step::Code { language, text } if md => {
            let _ = writeln!(out, "\n```{language}\n{text}\n```\n");
        }
        Step::Code { text, .. } => {
            for line in text.lines() {
                let _ = writeln!(out, "       {line}");
            }
        }
        Step::Link { label, url } if md => {
            let _ = writeln!(out, "- [{label}]({url})");
        }
        Step::Link { label, url } => {
            let _ = writeln!(out, "   - {label}: {url}");
        }
    }
}
