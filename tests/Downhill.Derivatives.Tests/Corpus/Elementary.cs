using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>One loss per elementary function: c · f(x) for a parameter x and a data column c.</summary>
public static partial class Elementary
{
    [Loss]
    public static double Sin([Param] double x, double c)
    {
        return c * Math.Sin(x);
    }

    [Loss]
    public static double Cos([Param] double x, double c)
    {
        return c * Math.Cos(x);
    }

    [Loss]
    public static double Tan([Param] double x, double c)
    {
        return c * Math.Tan(x);
    }

    [Loss]
    public static double Exp([Param] double x, double c)
    {
        return c * Math.Exp(x);
    }

    [Loss]
    public static double Log([Param] double x, double c)
    {
        return c * Math.Log(x);
    }

    [Loss]
    public static double Log2([Param] double x, double c)
    {
        return c * Math.Log2(x);
    }

    [Loss]
    public static double Log10([Param] double x, double c)
    {
        return c * Math.Log10(x);
    }

    [Loss]
    public static double Log1P([Param] double x, double c)
    {
        return c * Fn.Log1P(x);
    }

    [Loss]
    public static double Expm1([Param] double x, double c)
    {
        return c * Fn.Expm1(x);
    }

    [Loss]
    public static double Sqrt([Param] double x, double c)
    {
        return c * Math.Sqrt(x);
    }

    [Loss]
    public static double Cbrt([Param] double x, double c)
    {
        return c * Math.Cbrt(x);
    }

    [Loss]
    public static double PowConstant([Param] double x, double c)
    {
        return c * Math.Pow(x, 2.5);
    }

    [Loss]
    public static double Sinh([Param] double x, double c)
    {
        return c * Math.Sinh(x);
    }

    [Loss]
    public static double Cosh([Param] double x, double c)
    {
        return c * Math.Cosh(x);
    }

    [Loss]
    public static double Tanh([Param] double x, double c)
    {
        return c * Math.Tanh(x);
    }

    [Loss]
    public static double Asinh([Param] double x, double c)
    {
        return c * Math.Asinh(x);
    }

    [Loss]
    public static double Atanh([Param] double x, double c)
    {
        return c * Math.Atanh(x);
    }

    [Loss]
    public static double Acosh([Param] double x, double c)
    {
        return c * Math.Acosh(x);
    }

    [Loss]
    public static double Asin([Param] double x, double c)
    {
        return c * Math.Asin(x);
    }

    [Loss]
    public static double Acos([Param] double x, double c)
    {
        return c * Math.Acos(x);
    }

    [Loss]
    public static double Atan([Param] double x, double c)
    {
        return c * Math.Atan(x);
    }

    [Loss]
    public static double Abs([Param] double x, double c)
    {
        return c * Math.Abs(x);
    }

    [Loss]
    public static double Sigmoid([Param] double x, double c)
    {
        return c * Fn.Sigmoid(x);
    }

    [Loss]
    public static double LogSigmoid([Param] double x, double c)
    {
        return c * Fn.LogSigmoid(x);
    }

    [Loss]
    public static double Softplus([Param] double x, double c)
    {
        return c * Fn.Softplus(x);
    }

    [Loss]
    public static double Relu([Param] double x, double c)
    {
        return c * Fn.Relu(x);
    }

    [Loss]
    public static double Square([Param] double x, double c)
    {
        return c * Fn.Square(x);
    }

    [Loss]
    public static double PowVariable([Param] double x, [Param] double y, double c)
    {
        return c * Math.Pow(x, y);
    }

    [Loss]
    public static double PowDataExponent([Param] double x, double p)
    {
        return Math.Pow(x, p);
    }

    [Loss]
    public static double Atan2([Param] double y, [Param] double x, double c)
    {
        return c * Math.Atan2(y, x);
    }

    [Loss]
    public static double Max([Param] double x, [Param] double y, double c)
    {
        return Math.Max(x, y) * c + Math.Max(0.5, y * y + 1.0);
    }

    [Loss]
    public static double Min([Param] double x, [Param] double y, double c)
    {
        return Math.Min(x, y) * c + Math.Min(-0.5, -(y * y) - 1.0);
    }

    [Loss]
    public static double LogSumExpPair([Param] double a, [Param] double b, double c)
    {
        return Fn.LogSumExp(a * c, b);
    }

    [Loss]
    public static double LogSumExpSpan([Param] ReadOnlySpan<double> z, double c)
    {
        return c * Fn.LogSumExp(z);
    }

    // autograd's regression points.
    [Loss]
    public static double PowZero([Param] double x) => Math.Pow(x, 0);

    [Loss]
    public static double MaxOfItself([Param] double x) => Math.Max(x, x);

    [Loss]
    public static double SinOfSquareTimesX([Param] double x)
    {
        return (x + Math.Sin(x * x)) * x;
    }

    [Loss]
    public static double Arithmetic([Param] double x, [Param] double y, double c)
    {
        double q = x / (1.0 + y * y);
        double r = -q * c + 3.0 - y / c;
        return r * r - x * y + 2.0 * c;
    }

    [Loss]
    public static double Hypot([Param] double x, [Param] double y)
    {
        return Math.Sqrt(x * x + y * y);
    }
}
