#include "CCurl.h"
#include "lazy_library.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *curl_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libcurl.so.4", 0, "libcurl4");
}

PLATESHELL_FORWARD(curl_library, CURLcode, curl_global_init, (long flags), (flags))
PLATESHELL_FORWARD(curl_library, CURL *, curl_easy_init, (void), ())
PLATESHELL_FORWARD_VOID(curl_library, curl_easy_cleanup, (CURL * handle), (handle))
PLATESHELL_FORWARD_VOID(curl_library, curl_easy_reset, (CURL * handle), (handle))
PLATESHELL_FORWARD(curl_library, CURLcode, curl_easy_perform, (CURL * handle), (handle))
PLATESHELL_FORWARD(curl_library, const char *, curl_easy_strerror, (CURLcode code), (code))
PLATESHELL_FORWARD(curl_library, struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *line),
                   (list, line))
PLATESHELL_FORWARD_VOID(curl_library, curl_slist_free_all, (struct curl_slist * list), (list))

// curl_easy_setopt and curl_easy_getinfo take their value as a variadic argument, so they are
// looked up here rather than forwarded; each call below passes the type its option expects.
typedef CURLcode (*setopt_function)(CURL *, CURLoption, ...);
typedef CURLcode (*getinfo_function)(CURL *, CURLINFO, ...);
static setopt_function setopt;
static getinfo_function getinfo;

static void initialize(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static void *setopt_slot, *getinfo_slot;
    setopt = (setopt_function)plateshell_resolve(&setopt_slot, curl_library, "curl_easy_setopt");
    getinfo = (getinfo_function)plateshell_resolve(&getinfo_slot, curl_library, "curl_easy_getinfo");
}

static pthread_once_t initialized = PTHREAD_ONCE_INIT;

void *plateshell_http_handle_new(void) {
    pthread_once(&initialized, initialize);
    return curl_easy_init();
}

void plateshell_http_handle_free(void *handle) {
    if (handle != NULL) curl_easy_cleanup(handle);
}

/// Appends `count` bytes to a malloc'd buffer, doubling it as needed; 0 when memory runs out.
static int append(void *bytes, size_t count, unsigned char **buffer, size_t *length, size_t *capacity) {
    if (*length + count + 1 > *capacity) {
        size_t wanted = *capacity < 4096 ? 4096 : *capacity;
        while (wanted < *length + count + 1) wanted *= 2;
        unsigned char *grown = realloc(*buffer, wanted);
        if (grown == NULL) return 0;
        *buffer = grown;
        *capacity = wanted;
    }
    memcpy(*buffer + *length, bytes, count);
    *length += count;
    (*buffer)[*length] = 0;
    return 1;
}

static size_t receive_body(char *bytes, size_t size, size_t count, void *context) {
    plateshell_http_answer *answer = context;
    return append(bytes, size * count, &answer->body, &answer->body_length, &answer->body_capacity) ? size * count : 0;
}

static size_t receive_header(char *bytes, size_t size, size_t count, void *context) {
    plateshell_http_answer *answer = context;
    // A status line starts the headers of another answer (after a redirect or a 100 Continue):
    // only the last answer's lines are kept.
    if (size * count > 5 && memcmp(bytes, "HTTP/", 5) == 0) answer->headers_length = 0;
    return append(bytes, size * count, (unsigned char **)&answer->headers, &answer->headers_length,
                  &answer->headers_capacity)
               ? size * count
               : 0;
}

int plateshell_http_perform(void *handle, const char *method, const char *url, const char *const *headers,
                            int header_count, int has_body, const unsigned char *body, size_t body_length, long timeout_ms,
                            plateshell_http_answer *answer) {
    CURL *curl = handle;
    memset(answer, 0, sizeof *answer);
    curl_easy_reset(curl); // options only: the open connection stays
    struct curl_slist *list = NULL;
    for (int i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    // Without this, libcurl holds a large body back for a second waiting for "100 Continue".
    list = curl_slist_append(list, "Expect:");
    setopt(curl, CURLOPT_URL, url);
    setopt(curl, CURLOPT_NOSIGNAL, 1L);
    setopt(curl, CURLOPT_HTTPHEADER, list);
    setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    setopt(curl, CURLOPT_MAXREDIRS, 5L);
    setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms * 6);
    // No byte for timeout_ms: given up, as an idle request is.
    setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    setopt(curl, CURLOPT_LOW_SPEED_TIME, (timeout_ms + 999) / 1000);
    setopt(curl, CURLOPT_ERRORBUFFER, answer->error);
    setopt(curl, CURLOPT_WRITEFUNCTION, receive_body);
    setopt(curl, CURLOPT_WRITEDATA, answer);
    setopt(curl, CURLOPT_HEADERFUNCTION, receive_header);
    setopt(curl, CURLOPT_HEADERDATA, answer);
    if (has_body) {
        setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
        setopt(curl, CURLOPT_POSTFIELDS, body == NULL ? (const void *)"" : (const void *)body);
    }
    // A body makes libcurl POST it; any other method is named.
    if (!has_body && strcmp(method, "GET") == 0) {
        setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (!has_body || strcmp(method, "POST") != 0) {
        setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(list);
    if (code != CURLE_OK) {
        if (answer->error[0] == 0) strncpy(answer->error, curl_easy_strerror(code), sizeof answer->error - 1);
        return (int)code;
    }
    getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
    return 0;
}

void plateshell_http_answer_free(plateshell_http_answer *answer) {
    free(answer->body);
    free(answer->headers);
    answer->body = NULL;
    answer->headers = NULL;
}

static size_t receive_grpc_body(char *bytes, size_t size, size_t count, void *context) {
    plateshell_grpc_callbacks *callbacks = context;
    return callbacks->receive((const unsigned char *)bytes, size * count, callbacks->context) ? size * count : 0;
}

static size_t receive_grpc_header(char *bytes, size_t size, size_t count, void *context) {
    plateshell_grpc_result *result = context;
    return append(bytes, size * count, (unsigned char **)&result->headers, &result->headers_length,
                  &result->headers_capacity)
               ? size * count
               : 0;
}

static int grpc_progress(void *context, curl_off_t download_total, curl_off_t downloaded, curl_off_t upload_total,
                         curl_off_t uploaded) {
    (void)download_total, (void)downloaded, (void)upload_total, (void)uploaded;
    plateshell_grpc_callbacks *callbacks = context;
    return callbacks->should_stop(callbacks->context);
}

int plateshell_grpc_call(void *handle, const char *url, const char *const *headers, int header_count,
                         const unsigned char *body, size_t body_length, long connect_timeout_ms, long timeout_ms,
                         plateshell_grpc_callbacks callbacks, plateshell_grpc_result *result) {
    CURL *curl = handle;
    memset(result, 0, sizeof *result);
    curl_easy_reset(curl);
    struct curl_slist *list = NULL;
    for (int i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    list = curl_slist_append(list, "Content-Type: application/grpc");
    list = curl_slist_append(list, "TE: trailers");
    list = curl_slist_append(list, "Expect:");
    setopt(curl, CURLOPT_URL, url);
    setopt(curl, CURLOPT_NOSIGNAL, 1L);
    setopt(curl, CURLOPT_HTTPHEADER, list);
    setopt(curl, CURLOPT_HTTP_VERSION,
           strncmp(url, "https:", 6) == 0 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    if (timeout_ms > 0) setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    // Each call on a connection of its own: libcurl 7.88 (Debian 12) fails the next request on a kept
    // HTTP/2 connection after a gRPC answer with trailers ("Error in the HTTP2 framing layer").
    setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    setopt(curl, CURLOPT_ERRORBUFFER, result->error);
    setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    setopt(curl, CURLOPT_POSTFIELDS, body == NULL ? (const void *)"" : (const void *)body);
    setopt(curl, CURLOPT_WRITEFUNCTION, receive_grpc_body);
    setopt(curl, CURLOPT_WRITEDATA, &callbacks);
    setopt(curl, CURLOPT_HEADERFUNCTION, receive_grpc_header);
    setopt(curl, CURLOPT_HEADERDATA, result);
    setopt(curl, CURLOPT_NOPROGRESS, 0L);
    setopt(curl, CURLOPT_XFERINFOFUNCTION, grpc_progress);
    setopt(curl, CURLOPT_XFERINFODATA, &callbacks);
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(list);
    if (code != CURLE_OK) {
        if (result->error[0] == 0) strncpy(result->error, curl_easy_strerror(code), sizeof result->error - 1);
        return (int)code;
    }
    getinfo(curl, CURLINFO_RESPONSE_CODE, &result->http_status);
    return 0;
}

void plateshell_grpc_result_free(plateshell_grpc_result *result) {
    free(result->headers);
    result->headers = NULL;
}
