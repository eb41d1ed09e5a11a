// cairo, for charts written as PNG and SVG files.
//
// libcairo (with fontconfig, freetype, pixman, libpng and the X libraries it needs, about fifteen
// shared libraries) is loaded on the first drawing call, not when PlateShell starts: loading and
// relocating them cost about 3 ms of every start, most of which never draws. CCairo.c defines the
// cairo functions PlateShell calls, each forwarding to libcairo.so.2's own.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
