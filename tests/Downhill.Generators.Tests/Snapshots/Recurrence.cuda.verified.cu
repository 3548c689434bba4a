/* CUDA C of Sample.Sequence.Recurrence, written by Downhill.Generators (ABI: docs/cuda.md). Do not edit. */
typedef double dh_real;

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

static __device__ dh_real __dh_Recurrence(dh_span w, dh_real s0, dh_span x, dh_ws* dh_w);
static __device__ dh_real __dh_Recurrence__grad_110(dh_span w, dh_real s0, dh_span x, dh_real __seed, dh_span w__adj, dh_real* s0__adj, dh_ws* dh_w);
static __device__ dh_real __dh_Recurrence__grad_110__tan_110011_h(dh_span w, dh_real s0, dh_span x, dh_real __seed, dh_span w__tan, dh_real s0__tan, dh_span w__adj__tan, dh_real* s0__adj__tan, dh_real* __out__tan, dh_ws* dh_w);
static __device__ dh_pair __dh_Recurrence__dual_Tanh_1(dh_real x0, dh_real t0, dh_ws* dh_w);

static __device__ dh_real __dh_Recurrence(dh_span w, dh_real s0, dh_span x, dh_ws* dh_w)
{
    dh_real s = 0, __t0 = 0, __t1 = 0, __t2 = 0, __t3 = 0, __t8 = 0;
    int i = 0, __t6 = 0;
    bool __t5 = false;
    s = s0;
    i = 0;
    while (true)
    {
        __t6 = x.n;
        __t5 = i < __t6;
        if (!__t5)
        {
            break;
        }

        __t0 = x.p[(i) * x.s];
        __t1 = s * __t0;
        __t2 = w.p[(i) * w.s];
        __t3 = __t1 + __t2;
        s = tanh(__t3);
        i = i + 1;
    }
    __t8 = s * s;
    return __t8;
}

static __device__ dh_real __dh_Recurrence__grad_110(dh_span w, dh_real s0, dh_span x, dh_real __seed, dh_span w__adj, dh_real* s0__adj, dh_ws* dh_w)
{
    dh_real s = 0, __t0 = 0, __t1 = 0, __t2 = 0, __t3 = 0, __t8 = 0;
    dh_real s__adj = 0, __t1__adj = 0, __r0 = 0, __t2__adj = 0, __t3__adj = 0, __r1 = 0;
    dh_real __r2 = 0, __r3 = 0, __t8__adj = 0, __r4 = 0, __r5 = 0, __value = 0;
    int i = 0, __t6 = 0;
    bool __t5 = false, __more0 = false;
    s = s0;
    i = 0;
    while (true)
    {
        __t6 = x.n;
        __t5 = i < __t6;
        if (!__t5)
        {
            break;
        }

        __t0 = x.p[(i) * x.s];
        __t1 = s * __t0;
        __t2 = w.p[(i) * w.s];
        __t3 = __t1 + __t2;
        dh_push_r(dh_w, s);
        s = tanh(__t3);
        i = i + 1;
    }
    __t8 = s * s;
    __value = __t8;
    __t8__adj = __seed;
    __r4 = __t8__adj * s;
    s__adj = __r4;
    __r5 = __t8__adj * s;
    s__adj += __r5;
    while (i > 0)
    {
        i = i - 1;
        __r1 = s * s;
        __r2 = 1.0 - __r1;
        __r3 = s__adj * __r2;
        __t3__adj = __r3;
        s = dh_pop_r(dh_w);
        __t1__adj = __t3__adj;
        __t2__adj = __t3__adj;
        w__adj.p[(long long)(i) * w__adj.s] += __t2__adj;
        __t0 = x.p[(i) * x.s];
        __r0 = __t1__adj * __t0;
        s__adj = __r0;
    }
    (*s0__adj) += s__adj;
    return __value;
}

static __device__ dh_real __dh_Recurrence__grad_110__tan_110011_h(dh_span w, dh_real s0, dh_span x, dh_real __seed, dh_span w__tan, dh_real s0__tan, dh_span w__adj__tan, dh_real* s0__adj__tan, dh_real* __out__tan, dh_ws* dh_w)
{
    dh_real s = 0, __t0 = 0, __t1 = 0, __t2 = 0, __t3 = 0, __t8 = 0;
    dh_real s__adj = 0, __t1__adj = 0, __r0 = 0, __t3__adj = 0, __r1 = 0, __r2 = 0;
    dh_real __r3 = 0, __t8__adj = 0, __r4 = 0, __r5 = 0, __value = 0, s__tan = 0;
    dh_real __t1__tan = 0, __t2__tan = 0, __t3__tan = 0, __t8__tan = 0, s__adj__tan = 0, __t1__adj__tan = 0;
    dh_real __r0__tan = 0, __t2__adj__tan = 0, __t3__adj__tan = 0, __r1__tan = 0, __r2__tan = 0, __r3__tan = 0;
    dh_real __r4__tan = 0, __r5__tan = 0, __value__tan = 0, __f0 = 0, __f1 = 0, __f2 = 0;
    dh_real __f3 = 0, __f4 = 0, __f5 = 0, __f6 = 0, __f7 = 0, __f8 = 0;
    dh_real __f9 = 0, __f10 = 0, __f11 = 0, __f12 = 0, __f13 = 0, __f14 = 0;
    dh_real __f15 = 0;
    int i = 0, __t6 = 0;
    bool __t5 = false, __more0 = false;
    s = s0;
    s__tan = s0__tan;
    i = 0;
    while (true)
    {
        __t6 = x.n;
        __t5 = i < __t6;
        if (!__t5)
        {
            break;
        }

        __t0 = x.p[(i) * x.s];
        __t1 = s * __t0;
        __f0 = s__tan * __t0;
        __t1__tan = __f0;
        __t2 = w.p[(i) * w.s];
        __f1 = w__tan.p[(i) * w__tan.s];
        __t2__tan = __f1;
        __t3 = __t1 + __t2;
        __f2 = __t1__tan + __t2__tan;
        __t3__tan = __f2;
        dh_push_r(dh_w, s);
        dh_push_r(dh_w, s__tan);
        {
            dh_pair dh_p = __dh_Recurrence__dual_Tanh_1(__t3, __t3__tan, dh_w);
            s = dh_p.v;
            s__tan = dh_p.t;
        }
        i = i + 1;
    }
    __t8 = s * s;
    __f3 = s__tan * s;
    __f4 = s * s__tan;
    __f5 = __f3 + __f4;
    __t8__tan = __f5;
    __value = __t8;
    __value__tan = __t8__tan;
    __t8__adj = __seed;
    __r4 = __t8__adj * s;
    __f6 = __t8__adj * s__tan;
    __r4__tan = __f6;
    s__adj = __r4;
    s__adj__tan = __r4__tan;
    __r5 = __t8__adj * s;
    __f7 = __t8__adj * s__tan;
    __r5__tan = __f7;
    s__adj += __r5;
    s__adj__tan += __r5__tan;
    while (i > 0)
    {
        i = i - 1;
        __r1 = s * s;
        __f8 = s__tan * s;
        __f9 = s * s__tan;
        __f10 = __f8 + __f9;
        __r1__tan = __f10;
        __r2 = 1.0 - __r1;
        __f11 = -__r1__tan;
        __r2__tan = __f11;
        __r3 = s__adj * __r2;
        __f12 = s__adj__tan * __r2;
        __f13 = s__adj * __r2__tan;
        __f14 = __f12 + __f13;
        __r3__tan = __f14;
        __t3__adj = __r3;
        __t3__adj__tan = __r3__tan;
        s__tan = dh_pop_r(dh_w);
        s = dh_pop_r(dh_w);
        __t1__adj = __t3__adj;
        __t1__adj__tan = __t3__adj__tan;
        __t2__adj__tan = __t3__adj__tan;
        w__adj__tan.p[(long long)(i) * w__adj__tan.s] += __t2__adj__tan;
        __t0 = x.p[(i) * x.s];
        __r0 = __t1__adj * __t0;
        __f15 = __t1__adj__tan * __t0;
        __r0__tan = __f15;
        s__adj = __r0;
        s__adj__tan = __r0__tan;
    }
    (*s0__adj__tan) += s__adj__tan;
    (*__out__tan) = __value__tan;
    return __value;
}

static __device__ dh_pair __dh_Recurrence__dual_Tanh_1(dh_real x0, dh_real t0, dh_ws* dh_w)
{
    dh_real y = 0, __d0 = 0, __d1 = 0, __d2 = 0;
    y = tanh(x0);
    __d0 = y * y;
    __d1 = 1.0 - __d0;
    __d2 = __d1 * t0;
    return dh_make_pair(y, __d2);
}

static __device__ void dh_Sample_Sequence_Recurrence_slots(const int* dh_shape, int kind, long long* o)
{
    if (kind == 0)
    {
        o[0] = 0LL;
        o[1] = dh_max0(0LL);
        o[2] = dh_max0(0LL);
        o[3] = dh_max0(0LL);
        o[4] = dh_max0(0LL);
    }
    if (kind == 1)
    {
        o[0] = (long long)dh_shape[0] + (long long)dh_shape[1];
        o[1] = dh_max0(dh_max0(((long long)dh_shape[2] - 0LL)));
        o[2] = dh_max0(0LL);
        o[3] = dh_max0(0LL);
        o[4] = dh_max0(0LL);
    }
    if (kind == 2)
    {
        o[0] = (long long)dh_shape[0] + (long long)dh_shape[1];
        o[1] = dh_max0((2LL * dh_max0(((long long)dh_shape[2] - 0LL))));
        o[2] = dh_max0(0LL);
        o[3] = dh_max0(0LL);
        o[4] = dh_max0(0LL);
    }
}

static __device__ dh_real dh_Sample_Sequence_Recurrence_example_loss(long long dh_t, long long dh_T, long long dh_r, long long dh_rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* dh_work, int* dh_iwork, unsigned long long* dh_status)
{
    long long dh_po = 0, dh_ro = 0;
    dh_span w = { (dh_real*)dh_params + dh_po, dh_shape[0], 1 }; dh_po += dh_shape[0];
    dh_real s0 = dh_params[dh_po]; dh_po += 1;
    dh_span x = { (dh_real*)dh_data_real + dh_ro * dh_rows + dh_r, dh_shape[2], dh_rows }; dh_ro += dh_shape[2];
    long long dh_o[5];
    dh_Sample_Sequence_Recurrence_slots(dh_shape, 0, dh_o);
    dh_ws dh_w = { dh_work + dh_t + dh_o[0] * dh_T, dh_iwork + dh_t, dh_work + dh_t + (dh_o[0] + dh_o[1]) * dh_T, dh_iwork + dh_t + dh_o[3] * dh_T, dh_T, 0, 0, 0, 0, 0 };
    return __dh_Recurrence(w, s0, x, &dh_w);
}

static __device__ dh_real dh_Sample_Sequence_Recurrence_example_gradient(long long dh_t, long long dh_T, long long dh_r, long long dh_rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* dh_work, int* dh_iwork, unsigned long long* dh_status)
{
    long long dh_po = 0, dh_ro = 0;
    dh_span w = { (dh_real*)dh_params + dh_po, dh_shape[0], 1 }; dh_po += dh_shape[0];
    dh_real s0 = dh_params[dh_po]; dh_po += 1;
    dh_span x = { (dh_real*)dh_data_real + dh_ro * dh_rows + dh_r, dh_shape[2], dh_rows }; dh_ro += dh_shape[2];
    long long dh_o[5];
    dh_Sample_Sequence_Recurrence_slots(dh_shape, 1, dh_o);
    dh_ws dh_w = { dh_work + dh_t + dh_o[0] * dh_T, dh_iwork + dh_t, dh_work + dh_t + (dh_o[0] + dh_o[1]) * dh_T, dh_iwork + dh_t + dh_o[3] * dh_T, dh_T, 0, 0, 0, 0, 0 };
    for (long long dh_j = 0; dh_j < dh_o[0]; dh_j++) { dh_work[dh_t + dh_j * dh_T] = 0; }
    long long dh_ao = 0;
    dh_span dh_d0 = { dh_work + dh_t + dh_ao * dh_T, dh_shape[0], dh_T }; dh_ao += dh_shape[0];
    dh_real* dh_d1 = dh_work + dh_t + dh_ao * dh_T; dh_ao += 1;
    return __dh_Recurrence__grad_110(w, s0, x, (dh_real)1, dh_d0, dh_d1, &dh_w);
}

static __device__ dh_real dh_Sample_Sequence_Recurrence_example_hvp(long long dh_t, long long dh_T, long long dh_r, long long dh_rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, const dh_real* dh_tangent, dh_real* dh_work, int* dh_iwork, unsigned long long* dh_status)
{
    long long dh_po = 0, dh_ro = 0;
    dh_span w = { (dh_real*)dh_params + dh_po, dh_shape[0], 1 }; dh_po += dh_shape[0];
    dh_real s0 = dh_params[dh_po]; dh_po += 1;
    dh_span x = { (dh_real*)dh_data_real + dh_ro * dh_rows + dh_r, dh_shape[2], dh_rows }; dh_ro += dh_shape[2];
    long long dh_o[5];
    dh_Sample_Sequence_Recurrence_slots(dh_shape, 2, dh_o);
    dh_ws dh_w = { dh_work + dh_t + dh_o[0] * dh_T, dh_iwork + dh_t, dh_work + dh_t + (dh_o[0] + dh_o[1]) * dh_T, dh_iwork + dh_t + dh_o[3] * dh_T, dh_T, 0, 0, 0, 0, 0 };
    for (long long dh_j = 0; dh_j < dh_o[0]; dh_j++) { dh_work[dh_t + dh_j * dh_T] = 0; }
    long long dh_to = 0;
    dh_span dh_t0 = { (dh_real*)dh_tangent + dh_to, dh_shape[0], 1 }; dh_to += dh_shape[0];
    dh_real dh_t1 = dh_tangent[dh_to]; dh_to += 1;
    long long dh_ao = 0;
    dh_span dh_d0 = { dh_work + dh_t + dh_ao * dh_T, dh_shape[0], dh_T }; dh_ao += dh_shape[0];
    dh_real* dh_d1 = dh_work + dh_t + dh_ao * dh_T; dh_ao += 1;
    dh_real dh_unused = 0;
    return __dh_Recurrence__grad_110__tan_110011_h(w, s0, x, (dh_real)1, dh_t0, dh_t1, dh_d0, dh_d1, &dh_unused, &dh_w);
}

#ifdef __CUDACC__
extern "C" __global__ void dh_Sample_Sequence_Recurrence_workspace(const int* dh_shape, long long* out)
{
    if (blockIdx.x == 0 && threadIdx.x == 0)
    {
        for (int kind = 0; kind < 3; kind++)
        {
            long long o[5];
            dh_Sample_Sequence_Recurrence_slots(dh_shape, kind, o);
            out[2 * kind] = o[0] + o[1] + o[2];
            out[2 * kind + 1] = o[3] + o[4];
        }
    }
}

extern "C" __global__ void dh_Sample_Sequence_Recurrence_loss(int rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* work, int* iwork, double* loss_partials, unsigned long long* status)
{
    __shared__ double dh_loss[1024];
    long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long T = (long long)gridDim.x * blockDim.x;
    long long P = 0LL;
    double v = 0;
    if (t < rows)
    {
        v = (double)dh_Sample_Sequence_Recurrence_example_loss(t, T, t, rows, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, work, iwork, status);
    }
    else
    {
        for (long long j = 0; j < P; j++) { work[t + j * T] = 0; }
    }
    dh_loss[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0)
    {
        double s = 0;
        for (unsigned i = 0; i < blockDim.x; i++) { s += dh_loss[i]; }
        loss_partials[blockIdx.x] = s;
    }
}

extern "C" __global__ void dh_Sample_Sequence_Recurrence_gradient(int rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* work, int* iwork, double* loss_partials, dh_real* grad_partials, unsigned long long* status)
{
    __shared__ double dh_loss[1024];
    long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long T = (long long)gridDim.x * blockDim.x;
    long long P = (long long)dh_shape[0] + (long long)dh_shape[1];
    double v = 0;
    if (t < rows)
    {
        v = (double)dh_Sample_Sequence_Recurrence_example_gradient(t, T, t, rows, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, work, iwork, status);
    }
    else
    {
        for (long long j = 0; j < P; j++) { work[t + j * T] = 0; }
    }
    dh_loss[threadIdx.x] = v;
    __syncthreads();
    long long first = (long long)blockIdx.x * blockDim.x;
    for (long long j = threadIdx.x; j < P; j += blockDim.x)
    {
        dh_real s = 0;
        for (unsigned i = 0; i < blockDim.x; i++) { s += work[first + i + j * T]; }
        grad_partials[blockIdx.x * P + j] = s;
    }
    if (threadIdx.x == 0)
    {
        double s = 0;
        for (unsigned i = 0; i < blockDim.x; i++) { s += dh_loss[i]; }
        loss_partials[blockIdx.x] = s;
    }
}

extern "C" __global__ void dh_Sample_Sequence_Recurrence_hvp(int rows, const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, const dh_real* dh_tangent, dh_real* work, int* iwork, double* loss_partials, dh_real* hvp_partials, unsigned long long* status)
{
    __shared__ double dh_loss[1024];
    long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long T = (long long)gridDim.x * blockDim.x;
    long long P = (long long)dh_shape[0] + (long long)dh_shape[1];
    double v = 0;
    if (t < rows)
    {
        v = (double)dh_Sample_Sequence_Recurrence_example_hvp(t, T, t, rows, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, dh_tangent, work, iwork, status);
    }
    else
    {
        for (long long j = 0; j < P; j++) { work[t + j * T] = 0; }
    }
    dh_loss[threadIdx.x] = v;
    __syncthreads();
    long long first = (long long)blockIdx.x * blockDim.x;
    for (long long j = threadIdx.x; j < P; j += blockDim.x)
    {
        dh_real s = 0;
        for (unsigned i = 0; i < blockDim.x; i++) { s += work[first + i + j * T]; }
        hvp_partials[blockIdx.x * P + j] = s;
    }
    if (threadIdx.x == 0)
    {
        double s = 0;
        for (unsigned i = 0; i < blockDim.x; i++) { s += dh_loss[i]; }
        loss_partials[blockIdx.x] = s;
    }
}

extern "C" __global__ void dh_Sample_Sequence_Recurrence_reduce(int blocks, int width, const dh_real* partials, dh_real* out)
{
    long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j < width)
    {
        dh_real s = 0;
        for (int b = 0; b < blocks; b++) { s += partials[(long long)b * width + j]; }
        out[j] = s;
    }
}

extern "C" __global__ void dh_Sample_Sequence_Recurrence_reduce_loss(int blocks, const double* partials, unsigned long long* status, dh_loss_record* out)
{
    if (blockIdx.x == 0 && threadIdx.x == 0)
    {
        double s = 0;
        for (int b = 0; b < blocks; b++) { s += partials[b]; }
        out->loss = s;
        out->status = *status;
        *status = DH_NO_ERROR;
    }
}
#else
extern "C" void dh_Sample_Sequence_Recurrence_host_workspace(const int* dh_shape, long long* out)
{
    for (int kind = 0; kind < 3; kind++)
    {
        long long o[5];
        dh_Sample_Sequence_Recurrence_slots(dh_shape, kind, o);
        out[2 * kind] = o[0] + o[1] + o[2];
        out[2 * kind + 1] = o[3] + o[4];
    }
}

extern "C" const char* dh_Sample_Sequence_Recurrence_host_error(int k, int part)
{
    return 0;
}

extern "C" dh_real dh_Sample_Sequence_Recurrence_host_loss(const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* work, int* iwork, unsigned long long* status)
{
    return dh_Sample_Sequence_Recurrence_example_loss(0, 1, 0, 1, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, work, iwork, status);
}

extern "C" dh_real dh_Sample_Sequence_Recurrence_host_gradient(const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, dh_real* work, int* iwork, dh_real* grad, unsigned long long* status)
{
    dh_real v = dh_Sample_Sequence_Recurrence_example_gradient(0, 1, 0, 1, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, work, iwork, status);
    long long P = (long long)dh_shape[0] + (long long)dh_shape[1];
    for (long long j = 0; j < P; j++) { grad[j] += work[j]; }
    return v;
}

extern "C" dh_real dh_Sample_Sequence_Recurrence_host_hvp(const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape, const dh_real* dh_tangent, dh_real* work, int* iwork, dh_real* hv, unsigned long long* status)
{
    dh_real v = dh_Sample_Sequence_Recurrence_example_hvp(0, 1, 0, 1, dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape, dh_tangent, work, iwork, status);
    long long P = (long long)dh_shape[0] + (long long)dh_shape[1];
    for (long long j = 0; j < P; j++) { hv[j] += work[j]; }
    return v;
}

#endif
