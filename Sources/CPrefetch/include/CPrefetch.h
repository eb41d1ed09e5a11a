// The processor's prefetch hint, which Swift has no spelling for: the histogram builder asks
// for the bins and gradients of rows it will reach a few iterations later, so that on data
// larger than the caches their loads do not wait for memory (see HistogramTreeLearner).
#ifndef PLATESHELL_CPREFETCH_H
#define PLATESHELL_CPREFETCH_H

/// Hints that the cache line holding `address` will be read soon.
static inline void plateshell_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
