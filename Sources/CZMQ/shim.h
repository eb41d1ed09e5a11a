// ZeroMQ (libzmq) for PlateShell's Jupyter kernel: the sockets of Jupyter's messaging protocol.
#include <zmq.h>
