namespace Downhill.Generators.Emit.Cuda;

/// <summary>
/// The fixed part of every CUDA translation unit: the element type, spans, the thread's workspace (tape and
/// scratch stacks, lane-major: slot k of thread t at base[k * T + t]) and the device helpers that the op
/// table's CUDA column names for <c>Downhill.Fn</c> (the same formulas as <c>Downhill.Runtime/Fn.cs</c>).
/// </summary>
internal static class CudaPrelude
{
    /// <summary>The prelude for the element type <paramref name="isFloat"/>.</summary>
    public static string Text(bool isFloat) => $$"""
        typedef {{(isFloat ? "float" : "double")}} dh_real;

        /* An array: element k at p[k * s] (a lane-major data row has the batch's rows as its stride). */
        typedef struct { dh_real* p; int n; long long s; } dh_span;
        typedef struct { int* p; int n; long long s; } dh_ispan;
        typedef struct { dh_real v; dh_real t; } dh_pair;

        /* The thread's tape (r: reals, i: ints and bools) and scratch stacks (sr, si); slots T apart. err: the number of
           the throw statement that stopped the example (0: none), which every caller checks after a call that can throw. */
        typedef struct { dh_real* r; int* i; dh_real* sr; int* si; long long T; long long rtop, itop, srtop, sitop; int err; } dh_ws;

        /* What P_reduce_loss writes: the batch's loss sum and the launch's error record (DH_NO_ERROR: no example threw). */
        typedef struct { double loss; unsigned long long status; } dh_loss_record;
        #define DH_NO_ERROR 0xFFFFFFFFFFFFFFFFULL

        static __device__ dh_pair dh_make_pair(dh_real v, dh_real t) { dh_pair p; p.v = v; p.t = t; return p; }
        static __device__ long long dh_max0(long long x) { return x > 0 ? x : 0; }
        static __device__ dh_real dh_nan() { volatile dh_real z = 0; return z / z; }
        static __device__ dh_real dh_inf() { volatile dh_real z = 0; return (dh_real)1 / z; }
        static __device__ void dh_push_r(dh_ws* w, dh_real v) { w->r[w->rtop++ * w->T] = v; }
        static __device__ dh_real dh_pop_r(dh_ws* w) { return w->r[--w->rtop * w->T]; }
        static __device__ void dh_push_i(dh_ws* w, int v) { w->i[w->itop++ * w->T] = v; }
        static __device__ int dh_pop_i(dh_ws* w) { return w->i[--w->itop * w->T]; }
        /* An example's throw: the key (row << 16 | message number) is the smallest of the launch's, so the lowest row wins
           whatever the order the threads run in. */
        static __device__ void dh_report(unsigned long long* status, long long row, int message)
        {
            atomicMin(status, ((unsigned long long)row << 16) | (unsigned long long)message);
        }
        static __device__ dh_span dh_alloc_r(dh_ws* w, int n)
        {
            dh_span a; a.p = w->sr + w->srtop * w->T; a.n = n > 0 ? n : 0; a.s = w->T;
            for (int k = 0; k < a.n; k++) { a.p[k * a.s] = 0; }
            w->srtop += a.n;
            return a;
        }
        static __device__ dh_ispan dh_alloc_i(dh_ws* w, int n)
        {
            dh_ispan a; a.p = w->si + w->sitop * w->T; a.n = n > 0 ? n : 0; a.s = w->T;
            for (int k = 0; k < a.n; k++) { a.p[k * a.s] = 0; }
            w->sitop += a.n;
            return a;
        }

        static __device__ double __dh_sigmoid(double x) { if (x >= 0) { return 1.0 / (1.0 + exp(-x)); } double e = exp(x); return e / (1.0 + e); }
        static __device__ float __dh_sigmoidf(float x) { if (x >= 0) { return 1.0f / (1.0f + expf(-x)); } float e = expf(x); return e / (1.0f + e); }
        static __device__ double __dh_softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }
        static __device__ float __dh_softplusf(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }
        static __device__ double __dh_logsigmoid(double x) { return -__dh_softplus(-x); }
        static __device__ float __dh_logsigmoidf(float x) { return -__dh_softplusf(-x); }
        static __device__ double __dh_relu(double x) { return x > 0 ? x : 0.0; }
        static __device__ float __dh_reluf(float x) { return x > 0 ? x : 0.0f; }
        static __device__ double __dh_logsumexp(double a, double b) { return fmax(a, b) + log1p(exp(-fabs(a - b))); }
        static __device__ float __dh_logsumexpf(float a, float b) { return fmaxf(a, b) + log1pf(expf(-fabsf(a - b))); }
        """;
}
