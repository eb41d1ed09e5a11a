// HTTP requests made with libcurl, opened on first use: the MLflow client and the scoring client
// send them, and a shell that never does pays nothing at start-up.
#ifndef PLATESHELL_CCURL_H
#define PLATESHELL_CCURL_H

#include <stddef.h>

/// What a request brought back: the status, the raw header lines of the final answer and its
/// body (both grown with malloc; free them with plateshell_http_answer_free), and on a transport
/// failure libcurl's message.
typedef struct plateshell_http_answer {
    long status;
    unsigned char *body;
    size_t body_length;
    size_t body_capacity;
    char *headers;
    size_t headers_length;
    size_t headers_capacity;
    char error[256];
} plateshell_http_answer;

/// A connection handle (libcurl's easy handle), which keeps its connection open between
/// requests. One thread uses a handle at a time. NULL when libcurl cannot make one.
void *plateshell_http_handle_new(void);
void plateshell_http_handle_free(void *handle);

/// Sends one request on `handle` and waits for the answer: `method` to `url` with the
/// `header_count` header lines of `headers` ("Name: value") and, when `has_body`, the
/// `body_length` bytes of `body` (which may be NULL when there are none). Gives up after `timeout_ms` without progress (and after six times that in
/// all). Returns 0 when an answer came back (whatever its status), else libcurl's error code,
/// with its message in `answer->error`.
int plateshell_http_perform(void *handle, const char *method, const char *url, const char *const *headers,
                            int header_count, int has_body, const unsigned char *body, size_t body_length, long timeout_ms,
                            plateshell_http_answer *answer);

/// Frees the body and header lines of an answer.
void plateshell_http_answer_free(plateshell_http_answer *answer);

#endif
