namespace Downhill.Cuda.Kernels;

/// <summary>
/// The CUDA C of every optimizer's step (one thread per parameter element), the same equations as
/// <c>Downhill.Optimizers</c> in the same operation order, so that compiled with <see cref="CompileOptions"/> (no
/// fused multiply-adds; IEEE division and square root, NVRTC's defaults) a step gives the CPU's bits:
/// clip (element clipping here; norm clipping by <c>dh_opt_sumsq</c> + <c>dh_opt_clip_norm</c> first), the
/// algorithm's step D, then momentum μ: p ← p − D; classical v ← μv − D, p ← p + v; Nesterov v ← μ²v − (1+μ)D, p ← p + v.
/// </summary>
/// <remarks>
/// Every update kernel has one signature: <c>(int n, T* p, T* g, T* s0, T* s1, T* vel, const T* hv, T h0 … T h8,
/// T mu, T mu2, T onePlusMu, int momentum, T clip)</c>; <c>s0</c>/<c>s1</c> are the algorithm's state slots in
/// the order of its C# class, <c>h0…h8</c> its constants (<see cref="Training.CudaOptimizer{T}"/> says which), <c>momentum</c>
/// 0 (none), 1 (classical) or 2 (Nesterov), <c>clip</c> the element limit (0: off). The gradient <c>g</c> is
/// overwritten with D, as <c>Optimizer.Step</c> does.
/// </remarks>
public static class OptimizerKernels
{
    /// <summary>The NVRTC options the kernels must be compiled with to match the CPU bit for bit.</summary>
    public static IReadOnlyList<string> CompileOptions { get; } = ["--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false"];

    /// <summary>The kernel names by algorithm (NAG is SGD with Nesterov momentum, AdamW is Adam with decay).</summary>
    public static string KernelName(Algo algo) => algo switch
    {
        Algo.Sgd or Algo.Nag => "dh_opt_sgd",
        Algo.RProp => "dh_opt_rprop",
        Algo.AdaGrad => "dh_opt_adagrad",
        Algo.RmsProp => "dh_opt_rmsprop",
        Algo.AdaDelta => "dh_opt_adadelta",
        Algo.Esgd => "dh_opt_esgd",
        Algo.Adam => "dh_opt_adam",
        Algo.AdamW => "dh_opt_adamw",
        _ => throw new ArgumentOutOfRangeException(nameof(algo), algo, "No CUDA update kernel for this algorithm."),
    };

    /// <summary>The translation unit for <c>double</c> (<paramref name="single"/> false) or <c>float</c> parameters.</summary>
    public static string Source(bool single) => (single ? "typedef float dh_real;\n#define DH_SQRT sqrtf\n" : "typedef double dh_real;\n#define DH_SQRT sqrt\n") + Body;

    private const string Body = """
        #define DH_ARGS int n, dh_real* p, dh_real* g, dh_real* s0, dh_real* s1, dh_real* vel, const dh_real* hv, \
            dh_real h0, dh_real h1, dh_real h2, dh_real h3, dh_real h4, dh_real h5, dh_real h6, dh_real h7, dh_real h8, \
            dh_real mu, dh_real mu2, dh_real one_plus_mu, int momentum, dh_real clip
        #define DH_INDEX int j = blockIdx.x * blockDim.x + threadIdx.x; if (j >= n) return;

        // Optimizer.Clip's element clipping, then Optimizer.Step's momentum around the step d.
        static __device__ __forceinline__ dh_real dh_clip(dh_real x, dh_real c)
        {
            if (c > (dh_real)0) { if (x < -c) return -c; if (x > c) return c; }
            return x;
        }

        static __device__ __forceinline__ void dh_apply(int j, dh_real* p, dh_real* vel, dh_real d, dh_real mu, dh_real mu2, dh_real one_plus_mu, int momentum)
        {
            if (momentum == 0) { p[j] = p[j] - d; }
            else if (momentum == 2) { dh_real v = (mu2 * vel[j]) - (one_plus_mu * d); vel[j] = v; p[j] = p[j] + v; }
            else { dh_real v = (mu * vel[j]) - d; vel[j] = v; p[j] = p[j] + v; }
        }

        // h0 = learning rate.
        extern "C" __global__ void dh_opt_sgd(DH_ARGS)
        {
            DH_INDEX
            dh_real d = dh_clip(g[j], clip) * h0;
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = step, s1 = previous gradient; h0 = increase, h1 = decrease, h2 = min step, h3 = max step.
        extern "C" __global__ void dh_opt_rprop(DH_ARGS)
        {
            DH_INDEX
            dh_real gr = dh_clip(g[j], clip);
            dh_real s = gr * s1[j];
            dh_real factor = s > (dh_real)0 ? h0 : s < (dh_real)0 ? h1 : (dh_real)1;
            dh_real st = s0[j] * factor;
            if (st < h2) st = h2; else if (st > h3) st = h3;
            s0[j] = st;
            dh_real gt = s < (dh_real)0 ? (dh_real)0 : gr;
            s1[j] = gt;
            dh_real d = gt > (dh_real)0 ? st : gt < (dh_real)0 ? -st : (dh_real)0;
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = sum of squares; h0 = learning rate, h1 = epsilon.
        extern "C" __global__ void dh_opt_adagrad(DH_ARGS)
        {
            DH_INDEX
            dh_real gr = dh_clip(g[j], clip);
            dh_real s = s0[j] + (gr * gr);
            s0[j] = s;
            dh_real d = h0 * gr / DH_SQRT(s + h1);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = mean gradient, s1 = mean square; h0 = learning rate, h1 = decay, h2 = 1 - decay, h3 = epsilon.
        extern "C" __global__ void dh_opt_rmsprop(DH_ARGS)
        {
            DH_INDEX
            dh_real gr = dh_clip(g[j], clip);
            dh_real fj = (h1 * s0[j]) + (h2 * gr);
            dh_real gj = (h1 * s1[j]) + (h2 * gr * gr);
            s0[j] = fj;
            s1[j] = gj;
            dh_real d = h0 * gr / DH_SQRT(gj - (fj * fj) + h3);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = mean squared gradient, s1 = mean squared step; h1 = decay, h2 = 1 - decay, h3 = epsilon.
        extern "C" __global__ void dh_opt_adadelta(DH_ARGS)
        {
            DH_INDEX
            dh_real gr = dh_clip(g[j], clip);
            dh_real gj = (h1 * s0[j]) + (h2 * gr * gr);
            s0[j] = gj;
            dh_real d = gr * DH_SQRT(s1[j] + h3) / DH_SQRT(gj + h3);
            s1[j] = (h1 * s1[j]) + (h2 * d * d);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = mean squared Hessian-vector product; hv = H·r for this step's Gaussian r; h0 = learning rate, h1 = decay, h2 = 1 - decay, h3 = epsilon.
        extern "C" __global__ void dh_opt_esgd(DH_ARGS)
        {
            DH_INDEX
            dh_real gr = dh_clip(g[j], clip);
            dh_real a = (h1 * s0[j]) + (h2 * hv[j] * hv[j]);
            s0[j] = a;
            dh_real d = h0 * gr / (DH_SQRT(a) + h3);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // s0 = first moment, s1 = second moment; h0 = learning rate, h1 = beta1, h2 = 1 - beta1, h3 = beta2,
        // h4 = 1 - beta2, h5 = epsilon, h6 = 1/(1 - beta1^t), h7 = 1/(1 - beta2^t) (t: the step, from 1).
        static __device__ __forceinline__ dh_real dh_adam_delta(int j, dh_real* g, dh_real* s0, dh_real* s1,
            dh_real h0, dh_real h1, dh_real h2, dh_real h3, dh_real h4, dh_real h5, dh_real h6, dh_real h7, dh_real clip)
        {
            dh_real gr = dh_clip(g[j], clip);
            dh_real mj = (h1 * s0[j]) + (h2 * gr);
            dh_real vj = (h3 * s1[j]) + (h4 * gr * gr);
            s0[j] = mj;
            s1[j] = vj;
            return h0 * (mj * h6) / (DH_SQRT(vj * h7) + h5);
        }

        extern "C" __global__ void dh_opt_adam(DH_ARGS)
        {
            DH_INDEX
            dh_real d = dh_adam_delta(j, g, s0, s1, h0, h1, h2, h3, h4, h5, h6, h7, clip);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        // AdamW: Adam's step plus the decoupled decay h8 · p (h8 = learning rate · weight decay).
        extern "C" __global__ void dh_opt_adamw(DH_ARGS)
        {
            DH_INDEX
            dh_real d = dh_adam_delta(j, g, s0, s1, h0, h1, h2, h3, h4, h5, h6, h7, clip);
            d = d + (h8 * p[j]);
            g[j] = d;
            dh_apply(j, p, vel, d, mu, mu2, one_plus_mu, momentum);
        }

        #ifdef __CUDACC__
        // Norm clipping, Optimizer.Clip's else branch: per-block sums of squares in double (thread order), then every
        // thread adds the partials in block order and scales by min(1, c / norm) in the parameters' type.
        extern "C" __global__ void dh_opt_sumsq(int n, const dh_real* g, double* partials)
        {
            __shared__ double warps[32];
            int j = blockIdx.x * blockDim.x + threadIdx.x;
            double x = j < n ? (double)g[j] : 0.0;
            double v = x * x;
            for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
            if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = v;
            __syncthreads();
            if (threadIdx.x == 0)
            {
                double s = 0.0;
                for (int w = 0; w < (int)((blockDim.x + 31) / 32); w++) s += warps[w];
                partials[blockIdx.x] = s;
            }
        }

        extern "C" __global__ void dh_opt_clip_norm(int n, dh_real* g, const double* partials, int blocks, double max_norm)
        {
            int j = blockIdx.x * blockDim.x + threadIdx.x;
            if (j >= n) return;
            double sq = 0.0;
            for (int b = 0; b < blocks; b++) sq += partials[b];
            double norm = sqrt(sq);
            if (norm > max_norm) g[j] = g[j] * (dh_real)(max_norm / norm);
        }
        #endif
        """;
}
