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

/// What a gRPC call (HTTP/2 POST) brought back besides its messages: the HTTP status, every
/// header and trailer line (grpc-status and grpc-message among them; malloc'd, freed with
/// plateshell_grpc_result_free) and, on a transport failure, libcurl's message.
typedef struct plateshell_grpc_result {
    long http_status;
    char *headers;
    size_t headers_length;
    size_t headers_capacity;
    char error[256];
} plateshell_grpc_result;

/// The callbacks of a gRPC call, with the context they are given: `receive` gets the response
/// body's bytes as they arrive and returns 0 to stop the call; `should_stop` is asked about once a
/// second (and whenever bytes move) and returns nonzero to stop it.
typedef struct plateshell_grpc_callbacks {
    int (*receive)(const unsigned char *bytes, size_t count, void *context);
    int (*should_stop)(void *context);
    void *context;
} plateshell_grpc_callbacks;

/// Sends one gRPC request over HTTP/2 on `handle` (cleartext with prior knowledge for an http://
/// `url`, TLS with ALPN for https://) and streams the response to `callbacks.receive` until the
/// server ends it. Gives up connecting after `connect_timeout_ms`; a call that is open has no time
/// limit (a Spark query may run for long without a byte). Returns 0 when the server answered
/// (whatever its status), else libcurl's error code with its message in `result->error`
/// (CURLE_ABORTED_BY_CALLBACK, 42, when a callback stopped it).
int plateshell_grpc_call(void *handle, const char *url, const char *const *headers, int header_count,
                         const unsigned char *body, size_t body_length, long connect_timeout_ms, long timeout_ms,
                         plateshell_grpc_callbacks callbacks, plateshell_grpc_result *result);

/// Frees the header lines of a gRPC result.
void plateshell_grpc_result_free(plateshell_grpc_result *result);

#endif
