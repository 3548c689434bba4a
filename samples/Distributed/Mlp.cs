using Downhill;

namespace Distributed;

/// <summary>The Fashion-MNIST MLP 784 → 64 (ReLU) → 10 of samples/FashionMnist, trained data-parallel here.</summary>
public static partial class Mlp
{
    /// <summary>Pixels per image.</summary>
    public const int Pixels = 784;

    /// <summary>Hidden units.</summary>
    public const int Hidden = 64;

    /// <summary>Classes.</summary>
    public const int Classes = 10;

    /// <summary>One image's cross-entropy. <c>w1</c> is 64×784, <c>w2</c> 10×64, row-major.</summary>
    [Loss]
    public static float CrossEntropy([Param] ReadOnlySpan<float> w1, [Param] ReadOnlySpan<float> b1, [Param] ReadOnlySpan<float> w2, [Param] ReadOnlySpan<float> b2, ReadOnlySpan<float> x, int label)
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
}
