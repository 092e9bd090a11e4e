//! The `accord` binary: parses arguments and hands over to `accord_cli`.

fn main() -> std::process::ExitCode {
    accord_cli::run()
}
