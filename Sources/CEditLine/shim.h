// libedit (BSD editline) for PlateShell's line editor.
//
// Swift cannot call C variadic functions (`el_set`, `history`), so each use is wrapped in a small
// non-variadic inline function here. The prompt text lives in a C buffer so the prompt callback
// needs no Swift closure.
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <histedit.h>

static char plsh_prompt_buffer[256] = "plate> ";

static inline char *plsh_prompt_callback(EditLine *el) {
    (void)el;
    return plsh_prompt_buffer;
}

/// Sets the text the prompt shows (truncated to 255 bytes).
static inline void plsh_set_prompt(const char *text) {
    strncpy(plsh_prompt_buffer, text, sizeof(plsh_prompt_buffer) - 1);
    plsh_prompt_buffer[sizeof(plsh_prompt_buffer) - 1] = 0;
}

/// Creates an editor on the process's standard streams, with emacs keys and the prompt callback.
static inline EditLine *plsh_editor_open(const char *program) {
    EditLine *el = el_init(program, stdin, stdout, stderr);
    if (el == NULL) return NULL;
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, plsh_prompt_callback);
    el_set(el, EL_SIGNAL, 0);
    return el;
}

static inline History *plsh_history_open(int size) {
    History *h = history_init();
    HistEvent ev;
    if (h == NULL) return NULL;
    history(h, &ev, H_SETSIZE, size);
    history(h, &ev, H_SETUNIQUE, 1);
    return h;
}

static inline void plsh_history_enter(History *h, const char *line) {
    HistEvent ev;
    history(h, &ev, H_ENTER, line);
}

static inline void plsh_editor_use_history(EditLine *el, History *h) {
    el_set(el, EL_HIST, history, h);
}

/// Registers `fn` as a named editor function and binds it to `key` (for example "^I" for Tab).
static inline void plsh_editor_bind(EditLine *el, const char *name, const char *help,
                                    unsigned char (*fn)(EditLine *, int), const char *key) {
    el_set(el, EL_ADDFN, name, help, fn);
    el_set(el, EL_BIND, key, name, NULL);
}

/// Installs `handler` for SIGINT without SA_RESTART, so a blocking read returns EINTR.
static inline void plsh_install_sigint(void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, NULL);
}
