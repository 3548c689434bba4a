using Downhill;

namespace FashionMnist;

/// <summary>Two classifiers of 28×28 Fashion-MNIST images (784 pixels in [0, 1]) into 10 classes.</summary>
public static partial class Models
{
    /// <summary>Pixels per image.</summary>
    public const int Pixels = 784;

    /// <summary>Classes.</summary>
    public const int Classes = 10;

    /// <summary>Hidden units of the MLP.</summary>
    public const int Hidden = 64;

    /// <summary>Softmax regression 784 → 10: the cross-entropy of one image's label. <c>w</c> is 10×784, row-major.</summary>
    [Loss]
    public static float Softmax([Param] ReadOnlySpan<float> w, [Param] ReadOnlySpan<float> b, ReadOnlySpan<float> x, int label)
    {
        float[] z = new float[10];
        for (int k = 0; k < 10; k++)
        {
            float s = b[k];
            for (int i = 0; i < 784; i++)
            {
                s += w[k * 784 + i] * x[i];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>An MLP 784 → 64 (ReLU) → 10: the cross-entropy of one image's label. <c>w1</c> is 64×784, <c>w2</c> 10×64.</summary>
    [Loss]
    public static float Mlp([Param] ReadOnlySpan<float> w1, [Param] ReadOnlySpan<float> b1, [Param] ReadOnlySpan<float> w2, [Param] ReadOnlySpan<float> b2, ReadOnlySpan<float> x, int label)
    {
        float[] h = new float[64];
        float[] z = new float[10];
        for (int j = 0; j < 64; j++)
        {
            float s = b1[j];
            for (int i = 0; i < 784; i++)
            {
                s += w1[j * 784 + i] * x[i];
            }

            h[j] = Fn.Relu(s);
        }

        for (int k = 0; k < 10; k++)
        {
            float s = b2[k];
            for (int j = 0; j < 64; j++)
            {
                s += w2[k * 64 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>The class with the largest logit of softmax regression.</summary>
    public static int PredictSoftmax(float[] w, float[] b, ReadOnlySpan<float> x)
    {
        Span<float> z = stackalloc float[Classes];
        Dense(w, b, x, z);
        return ArgMax(z);
    }

    /// <summary>The class with the largest logit of the MLP.</summary>
    public static int PredictMlp(float[] w1, float[] b1, float[] w2, float[] b2, ReadOnlySpan<float> x)
    {
        Span<float> h = stackalloc float[Hidden];
        Span<float> z = stackalloc float[Classes];
        Dense(w1, b1, x, h);
        for (int j = 0; j < h.Length; j++)
        {
            h[j] = Math.Max(h[j], 0f);
        }

        Dense(w2, b2, h, z);
        return ArgMax(z);
    }

    private static void Dense(float[] w, float[] b, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int k = 0; k < y.Length; k++)
        {
            ReadOnlySpan<float> row = w.AsSpan(k * x.Length, x.Length);
            float s = b[k];
            for (int i = 0; i < x.Length; i++)
            {
                s += row[i] * x[i];
            }

            y[k] = s;
        }
    }

    private static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int k = 1; k < z.Length; k++)
        {
            if (z[k] > z[best])
            {
                best = k;
            }
        }

        return best;
    }
}
