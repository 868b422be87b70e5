// Counts heap allocations made by the calling thread between start and stop, so tests
// can check that the per-packet path allocates nothing. It works by defining malloc and
// friends in the test binary (they forward to glibc's), which is why it is test-only.
#ifndef TUNNEL_ALLOCATION_COUNTER_H
#define TUNNEL_ALLOCATION_COUNTER_H

void tunnel_allocation_count_start(void);
/// Returns the number of allocations since start, and stops counting.
long tunnel_allocation_count_stop(void);

#endif
