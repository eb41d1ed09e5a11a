// The libzmq functions the kernel calls, each forwarding to libzmq.so.5's, which is opened on the
// first call (see include/CZMQ.h).
#include "CZMQ.h"
#include "lazy_library.h"

static void *zmq_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libzmq.so.5", 0, "libzmq5");
}

#define FORWARD(ret, name, params, args) PLATESHELL_FORWARD(zmq_library, ret, name, params, args)

FORWARD(void *, zmq_ctx_new, (void), ())
FORWARD(int, zmq_ctx_shutdown, (void *context_), (context_))
FORWARD(int, zmq_ctx_term, (void *context_), (context_))
FORWARD(void *, zmq_socket, (void *context_, int type_), (context_, type_))
FORWARD(int, zmq_setsockopt, (void *s_, int option_, const void *optval_, size_t optvallen_), (s_, option_, optval_, optvallen_))
FORWARD(int, zmq_bind, (void *s_, const char *addr_), (s_, addr_))
FORWARD(int, zmq_connect, (void *s_, const char *addr_), (s_, addr_))
FORWARD(int, zmq_close, (void *s_), (s_))
FORWARD(int, zmq_send, (void *s_, const void *buf_, size_t len_, int flags_), (s_, buf_, len_, flags_))
FORWARD(int, zmq_poll, (zmq_pollitem_t *items_, int nitems_, long timeout_), (items_, nitems_, timeout_))
FORWARD(int, zmq_msg_init, (zmq_msg_t *msg_), (msg_))
FORWARD(int, zmq_msg_recv, (zmq_msg_t *msg_, void *s_, int flags_), (msg_, s_, flags_))
FORWARD(void *, zmq_msg_data, (zmq_msg_t *msg_), (msg_))
FORWARD(size_t, zmq_msg_size, (const zmq_msg_t *msg_), (msg_))
FORWARD(int, zmq_msg_more, (const zmq_msg_t *msg_), (msg_))
FORWARD(int, zmq_msg_close, (zmq_msg_t *msg_), (msg_))
FORWARD(int, zmq_errno, (void), ())
FORWARD(const char *, zmq_strerror, (int errnum_), (errnum_))
