// The cairo functions PlateShell and its tests call, each forwarding to libcairo.so.2's, which
// is opened on the first call (see include/CCairo.h).
#include "CCairo.h"
#include "lazy_library.h"

static void *cairo_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libcairo.so.2", 0, "libcairo2");
}

#define FORWARD(ret, name, params, args) PLATESHELL_FORWARD(cairo_library, ret, name, params, args)
#define FORWARD_VOID(name, params, args) PLATESHELL_FORWARD_VOID(cairo_library, name, params, args)

FORWARD(cairo_t *, cairo_create, (cairo_surface_t *target), (target))
FORWARD_VOID(cairo_destroy, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_save, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_restore, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_scale, (cairo_t *cr, double sx, double sy), (cr, sx, sy))
FORWARD_VOID(cairo_translate, (cairo_t *cr, double tx, double ty), (cr, tx, ty))
FORWARD_VOID(cairo_rotate, (cairo_t *cr, double angle), (cr, angle))
FORWARD_VOID(cairo_set_source_rgba, (cairo_t *cr, double red, double green, double blue, double alpha), (cr, red, green, blue, alpha))
FORWARD_VOID(cairo_set_line_width, (cairo_t *cr, double width), (cr, width))
FORWARD_VOID(cairo_set_source_rgb, (cairo_t *cr, double red, double green, double blue), (cr, red, green, blue))
FORWARD_VOID(cairo_set_source_surface, (cairo_t *cr, cairo_surface_t *surface, double x, double y), (cr, surface, x, y))
FORWARD(cairo_pattern_t *, cairo_get_source, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_pattern_set_filter, (cairo_pattern_t *pattern, cairo_filter_t filter), (pattern, filter))
FORWARD_VOID(cairo_paint, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_move_to, (cairo_t *cr, double x, double y), (cr, x, y))
FORWARD_VOID(cairo_line_to, (cairo_t *cr, double x, double y), (cr, x, y))
FORWARD_VOID(cairo_rectangle, (cairo_t *cr, double x, double y, double width, double height), (cr, x, y, width, height))
FORWARD_VOID(cairo_arc, (cairo_t *cr, double xc, double yc, double radius, double angle1, double angle2), (cr, xc, yc, radius, angle1, angle2))
FORWARD_VOID(cairo_fill, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_stroke, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_select_font_face, (cairo_t *cr, const char *family, cairo_font_slant_t slant, cairo_font_weight_t weight),
             (cr, family, slant, weight))
FORWARD_VOID(cairo_set_font_size, (cairo_t *cr, double size), (cr, size))
FORWARD_VOID(cairo_text_extents, (cairo_t *cr, const char *utf8, cairo_text_extents_t *extents), (cr, utf8, extents))
FORWARD_VOID(cairo_show_text, (cairo_t *cr, const char *utf8), (cr, utf8))
FORWARD(cairo_surface_t *, cairo_image_surface_create, (cairo_format_t format, int width, int height), (format, width, height))
FORWARD(cairo_surface_t *, cairo_svg_surface_create, (const char *filename, double width_in_points, double height_in_points),
        (filename, width_in_points, height_in_points))
FORWARD(cairo_status_t, cairo_surface_status, (cairo_surface_t *surface), (surface))
FORWARD_VOID(cairo_surface_finish, (cairo_surface_t *surface), (surface))
FORWARD_VOID(cairo_surface_destroy, (cairo_surface_t *surface), (surface))
FORWARD_VOID(cairo_surface_flush, (cairo_surface_t *surface), (surface))
FORWARD_VOID(cairo_surface_mark_dirty, (cairo_surface_t *surface), (surface))
// Reading images back (sixel output in the terminal; the plot tests look at the pixels).
FORWARD(cairo_surface_t *, cairo_image_surface_create_from_png, (const char *filename), (filename))
FORWARD(unsigned char *, cairo_image_surface_get_data, (cairo_surface_t *surface), (surface))
FORWARD(int, cairo_image_surface_get_width, (cairo_surface_t *surface), (surface))
FORWARD(int, cairo_image_surface_get_height, (cairo_surface_t *surface), (surface))
FORWARD(int, cairo_image_surface_get_stride, (cairo_surface_t *surface), (surface))
FORWARD(const char *, cairo_status_to_string, (cairo_status_t status), (status))
FORWARD(const char *, cairo_version_string, (void), ())
