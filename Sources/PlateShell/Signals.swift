import CEditLine
import Engine
import Synchronization

/// Ctrl-C handling: SIGINT sets the session's cancellation flag (a running command stops at its
/// next check) and a flag the prompt reads (the line being typed is dropped).
enum Signals {
    /// The flag that commands poll; shared with the session.
    static let cancellation = Cancellation()
    /// Set by SIGINT, cleared by the prompt once it has dropped the line.
    static let interruptedAtPrompt = Atomic<Bool>(false)

    /// Installs the SIGINT handler (without SA_RESTART, so a blocking read returns).
    static func install() {
        plsh_install_sigint { _ in
            Signals.cancellation.request()
            Signals.interruptedAtPrompt.store(true, ordering: .relaxed)
        }
    }
}
