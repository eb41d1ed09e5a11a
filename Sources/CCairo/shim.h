// cairo, for charts written as PNG and SVG files.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
