namespace Downhill.Benchmarks.Derivatives;

/// <summary>
/// Analytic gradients written by hand the way one would write them for speed: the forward pass keeps what
/// the backward pass needs in stack scratch, nothing is recomputed, and the arithmetic is the loss's own.
/// Like the generated methods they return the loss and ADD the gradient to the outputs.
/// </summary>
public static class HandGradients
{
    public static double Mlp(
        ReadOnlySpan<double> w1, ReadOnlySpan<double> b1, ReadOnlySpan<double> w2, ReadOnlySpan<double> b2,
        ReadOnlySpan<double> x, int label,
        Span<double> dw1, Span<double> db1, Span<double> dw2, Span<double> db2)
    {
        const int inputs = Losses.MlpInputs;
        const int hidden = Losses.MlpHidden;
        const int classes = Losses.MlpClasses;
        x = x[..inputs];
        Span<double> h = stackalloc double[hidden];
        Span<double> z = stackalloc double[classes];
        Span<double> dh = stackalloc double[hidden];

        for (int j = 0; j < hidden; j++)
        {
            ReadOnlySpan<double> row = w1.Slice(j * inputs, inputs);
            double s = b1[j];
            for (int i = 0; i < row.Length; i++)
            {
                s += row[i] * x[i];
            }

            h[j] = Math.Tanh(s);
        }

        double m = double.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            ReadOnlySpan<double> row = w2.Slice(k * hidden, hidden);
            double s = b2[k];
            for (int j = 0; j < row.Length; j++)
            {
                s += row[j] * h[j];
            }

            z[k] = s;
            m = Math.Max(m, s);
        }

        // Softmax cross-entropy: z becomes e^(z - m), then the probabilities minus the one-hot label.
        double sum = 0;
        double chosen = z[label];
        for (int k = 0; k < classes; k++)
        {
            z[k] = Math.Exp(z[k] - m);
            sum += z[k];
        }

        double loss = m + Math.Log(sum) - chosen;
        double inv = 1.0 / sum;
        for (int k = 0; k < classes; k++)
        {
            z[k] *= inv;
        }

        z[label] -= 1.0;

        dh.Clear();
        for (int k = 0; k < classes; k++)
        {
            double g = z[k];
            db2[k] += g;
            ReadOnlySpan<double> row = w2.Slice(k * hidden, hidden);
            Span<double> drow = dw2.Slice(k * hidden, hidden);
            for (int j = 0; j < row.Length; j++)
            {
                drow[j] += g * h[j];
                dh[j] += g * row[j];
            }
        }

        for (int j = 0; j < hidden; j++)
        {
            double g = dh[j] * (1.0 - h[j] * h[j]);
            db1[j] += g;
            Span<double> drow = dw1.Slice(j * inputs, inputs);
            for (int i = 0; i < drow.Length; i++)
            {
                drow[i] += g * x[i];
            }
        }

        return loss;
    }

    public static double Logistic(ReadOnlySpan<double> w, double b, ReadOnlySpan<double> x, int label, Span<double> dw, ref double db)
    {
        x = x[..w.Length];
        double z = b;
        for (int i = 0; i < w.Length; i++)
        {
            z += w[i] * x[i];
        }

        double loss = label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
        double g = Fn.Sigmoid(z) - label;
        db += g;
        dw = dw[..x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            dw[i] += g * x[i];
        }

        return loss;
    }

    public static double Recurrence(ReadOnlySpan<double> w, double s0, ReadOnlySpan<double> x, Span<double> dw, ref double ds0)
    {
        const int steps = Losses.RecurrenceSteps;
        w = w[..steps];
        x = x[..steps];
        dw = dw[..steps];
        Span<double> s = stackalloc double[steps + 1];
        s[0] = s0;
        for (int i = 0; i < steps; i++)
        {
            s[i + 1] = Math.Tanh(s[i] * x[i] + w[i]);
        }

        double last = s[steps];
        double ds = 2.0 * last;
        for (int i = steps - 1; i >= 0; i--)
        {
            double si = s[i + 1];
            double g = ds * (1.0 - si * si);
            dw[i] += g;
            ds = g * x[i];
        }

        ds0 += ds;
        return last * last;
    }
}
