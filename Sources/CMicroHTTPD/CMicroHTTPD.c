// The libmicrohttpd functions the scoring server calls, each forwarding to libmicrohttpd.so.12's,
// which is opened on the first call (see include/CMicroHTTPD.h), and the helpers for the
// variadic ones.
#include "CMicroHTTPD.h"
#include "lazy_library.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *mhd_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libmicrohttpd.so.12", 0, "libmicrohttpd12");
}

#define FORWARD(ret, name, params, args) PLATESHELL_FORWARD(mhd_library, ret, name, params, args)

FORWARD(MHD_socket, MHD_quiesce_daemon, (struct MHD_Daemon * daemon), (daemon))
PLATESHELL_FORWARD_VOID(mhd_library, MHD_stop_daemon, (struct MHD_Daemon * daemon), (daemon))
FORWARD(const char *, MHD_lookup_connection_value,
        (struct MHD_Connection * connection, enum MHD_ValueKind kind, const char *key), (connection, kind, key))
FORWARD(struct MHD_Response *, MHD_create_response_from_buffer,
        (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))
FORWARD(enum MHD_Result, MHD_add_response_header,
        (struct MHD_Response * response, const char *header, const char *content), (response, header, content))
FORWARD(enum MHD_Result, MHD_queue_response,
        (struct MHD_Connection * connection, unsigned int status_code, struct MHD_Response *response),
        (connection, status_code, response))
PLATESHELL_FORWARD_VOID(mhd_library, MHD_destroy_response, (struct MHD_Response * response), (response))

int plateshell_mhd_listen(const char *host, int port, int *bound_port, char *error, size_t error_size) {
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int status = getaddrinfo(host, service, &hints, &found);
    if (status != 0) {
        snprintf(error, error_size, "%s", gai_strerror(status));
        return -1;
    }
    int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 256) != 0) {
        snprintf(error, error_size, "%s", strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(found);
        return -1;
    }
    freeaddrinfo(found);
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        snprintf(error, error_size, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    *bound_port = ntohs(address.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&address)->sin6_port
                                                      : ((struct sockaddr_in *)&address)->sin_port);
    return fd;
}

/// Passes URLs on as sent: percent-decoding is left to the scoring service (which routes on the
/// raw path, as it did behind Hummingbird).
static size_t keep_url(void *cls, struct MHD_Connection *connection, char *url) {
    (void)cls;
    (void)connection;
    return strlen(url);
}

typedef struct MHD_Daemon *(*start_function)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                             MHD_AccessHandlerCallback, void *, ...);
typedef enum MHD_Result (*set_option_function)(struct MHD_Connection *, enum MHD_CONNECTION_OPTION, ...);
typedef const union MHD_ConnectionInfo *(*connection_info_function)(struct MHD_Connection *,
                                                                    enum MHD_ConnectionInfoType, ...);

struct MHD_Daemon *plateshell_mhd_start(int listen_fd, unsigned int idle_seconds, MHD_AccessHandlerCallback handler,
                                        void *handler_cls, MHD_RequestCompletedCallback completed,
                                        void *completed_cls) {
    static void *slot;
    start_function start = (start_function)plateshell_resolve(&slot, mhd_library, "MHD_start_daemon");
    return start(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC, 0, NULL,
                 NULL, handler, handler_cls, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
                 MHD_OPTION_CONNECTION_TIMEOUT, idle_seconds, MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                 MHD_OPTION_UNESCAPE_CALLBACK, keep_url, NULL, MHD_OPTION_END);
}

int plateshell_mhd_set_timeout(struct MHD_Connection *connection, unsigned int seconds) {
    static void *slot;
    set_option_function set =
        (set_option_function)plateshell_resolve(&slot, mhd_library, "MHD_set_connection_option");
    return set(connection, MHD_CONNECTION_OPTION_TIMEOUT, seconds) == MHD_YES;
}

int plateshell_mhd_send_raw(struct MHD_Connection *connection, const char *bytes, size_t length, int timeout_ms) {
    static void *slot;
    connection_info_function info =
        (connection_info_function)plateshell_resolve(&slot, mhd_library, "MHD_get_connection_info");
    const union MHD_ConnectionInfo *found = info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!found) return 0;
    int fd = found->connect_fd;
    while (length > 0) {
        ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
        if (sent > 0) {
            bytes += sent;
            length -= (size_t)sent;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd wait = {.fd = fd, .events = POLLOUT};
            if (poll(&wait, 1, timeout_ms) <= 0) return 0;
        } else {
            return 0;
        }
    }
    return 1;
}
