// ZeroMQ (libzmq) for PlateShell's Jupyter kernel: the sockets of Jupyter's messaging protocol.
//
// libzmq (with libsodium, libpgm, libnorm and Kerberos, about twenty shared libraries) is loaded
// when the kernel opens its first socket, not when PlateShell starts: the shell and scripts never
// use it. CZMQ.c defines the functions the kernel calls, each forwarding to libzmq.so.5's own.
#include <zmq.h>
