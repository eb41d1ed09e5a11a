/// A command whose work is done and shown, but whose check failed (`monitor … fail_on_drift=true`
/// found drift): the session delivers the output, then the diagnostic, and the entry fails, so a
/// script stops and `plateshell -c` exits with status 1.
struct FailedCheck: Error {
    let output: CommandOutput
    let diagnostic: Diagnostic
}
