//! What a package installs beside the binaries, generated from the command
//! line's own definition so it never drifts: man pages for `mailwarden` and
//! each subcommand (`clap_mangen`), and completions for bash, zsh and fish
//! (`clap_complete`), laid out as under `/usr`. A hidden command
//! (`mailwarden generate-assets DIR`), run by `make package`.

use clap::CommandFactory;
use clap_complete::Shell;
use mailwarden_engine::CoreError;
use std::path::Path;

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> CoreError + '_ {
    move |source| CoreError::Io { context: format!("Could not write {}", what.display()), source }
}

/// Write `share/man/man1/*.1` and the completions under `root`.
pub fn generate(root: &Path) -> Result<(), CoreError> {
    let mut cmd = without_help_subcommands(crate::args::Cli::command());
    cmd.build();
    let man = root.join("share/man/man1");
    std::fs::create_dir_all(&man).map_err(io(&man))?;
    clap_mangen::generate_to(cmd.clone(), &man).map_err(io(&man))?;
    for (shell, path) in [
        (Shell::Bash, "share/bash-completion/completions/mailwarden"),
        (Shell::Zsh, "share/zsh/vendor-completions/_mailwarden"),
        (Shell::Fish, "share/fish/vendor_completions.d/mailwarden.fish"),
    ] {
        let file = root.join(path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "mailwarden", &mut out);
        std::fs::write(&file, out).map_err(io(&file))?;
    }
    Ok(())
}

/// clap's `help` subcommands would each get a page (`mailwarden-relay-help-status`…);
/// `--help` and the pages themselves say it all.
fn without_help_subcommands(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd.disable_help_subcommand(true);
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, without_help_subcommands);
    }
    cmd
}
