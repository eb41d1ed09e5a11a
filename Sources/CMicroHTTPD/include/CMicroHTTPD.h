// GNU libmicrohttpd for the scoring server's HTTP/1.1 listener, opened on first use.
//
// libmicrohttpd (with GnuTLS and the libraries it brings, about fifteen shared libraries) is loaded
// when a scoring server starts, not when PlateShell starts: the shell and scripts rarely serve.
// CMicroHTTPD.c defines the libmicrohttpd functions the server calls, each forwarding to
// libmicrohttpd.so.12's own, and the helpers below for the ones that take variadic arguments
// (which Swift cannot call) and for the listening socket.
#ifndef PLATESHELL_CMICROHTTPD_H
#define PLATESHELL_CMICROHTTPD_H

#include <microhttpd.h>
#include <stddef.h>

/// Opens a TCP socket listening on `host`:`port` (resolved with getaddrinfo; port 0 picks a free
/// one) with SO_REUSEADDR. Returns the descriptor and the bound port in `*bound_port`, or -1 with
/// the reason (strerror or gai_strerror) in `error`.
int plateshell_mhd_listen(const char *host, int port, int *bound_port, char *error, size_t error_size);

/// Starts a daemon on the listening socket `listen_fd` (which it then owns): a thread accepting
/// and a thread per connection, polling it (MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
/// MHD_USE_ITC); connections closed after `idle_seconds` without traffic, `handler` called for each
/// request, `completed` when one ends, URLs passed to `handler` as sent (not percent-decoded).
/// NULL when libmicrohttpd refuses.
struct MHD_Daemon *plateshell_mhd_start(int listen_fd, unsigned int idle_seconds, MHD_AccessHandlerCallback handler,
                                        void *handler_cls, MHD_RequestCompletedCallback completed,
                                        void *completed_cls);

/// MHD_set_connection_option(connection, MHD_CONNECTION_OPTION_TIMEOUT, seconds): the connection's
/// idle timeout from now on (0: none). Call only from the connection's own callbacks.
int plateshell_mhd_set_timeout(struct MHD_Connection *connection, unsigned int seconds);

/// Writes `length` bytes straight to the connection's socket, waiting at most `timeout_ms` for room
/// in all; returns 1 when all were written. For an answer libmicrohttpd cannot queue (while a
/// request body is still arriving): the caller then returns MHD_NO, which closes the connection.
int plateshell_mhd_send_raw(struct MHD_Connection *connection, const char *bytes, size_t length, int timeout_ms);

#endif
