/* Compiles the device functions of a generated CUDA source (docs/cuda.md) as host C++: the CUDA qualifiers
   as nothing, math from <cmath>, CUDA's int min/max and the atomicMin of the error record. The kernels sit under #ifdef __CUDACC__, which the host
   compiler does not define, so only the device functions and the host wrappers are compiled. */
#ifndef DH_HOST_SHIM_H
#define DH_HOST_SHIM_H
#include <cmath>
#include <math.h>
#include <stdlib.h>
#define __device__
#define __global__
#define __host__
#define __forceinline__ inline
#define __shared__ static
static inline int max(int a, int b) { return a > b ? a : b; }
static inline int min(int a, int b) { return a < b ? a : b; }
/* One host thread: CUDA's atomicMin on the error record, without the atomicity. */
static inline unsigned long long atomicMin(unsigned long long* address, unsigned long long value)
{
    unsigned long long old = *address;
    if (value < old) { *address = value; }
    return old;
}
#endif
