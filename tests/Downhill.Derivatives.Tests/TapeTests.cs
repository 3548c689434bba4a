using Downhill.Internal;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// The generated entry points push without growing the tape and, when it is full, grow it and run again;
/// on any other exception they leave the tape as they found it.
/// </summary>
public static partial class TapeTests
{
    /// <summary>s = sin(a·s + x[i]) over the whole row: one push per step, so long rows overflow a fresh tape many times.</summary>
    [Loss]
    public static double LongRecurrence([Param] double a, [Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double s = 0.5;
        for (int i = 0; i < x.Length; i++)
        {
            s = Math.Sin(a * s + x[i] * w[i % 3]);
        }

        return s * s;
    }

    private static double[] Row(int length)
    {
        var random = new Random(11);
        var x = new double[length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextDouble() - 0.5;
        }

        return x;
    }

    private static T OnFreshThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException("The work failed on its thread.", error);
    }

    public class Growth
    {
        [Fact]
        public void GradientAndHessianVectorOnAFreshTapeEqualTheWarmOnesAndLeaveTheTapeEmpty()
        {
            double a = 0.9;
            double[] w = [0.7, -1.1, 0.4];
            double[] x = Row(20_000);

            static (double Value, double Da, double[] Dw, double Hva, double[] Hvw, Tape.State Before, Tape.State After) Run(double a, double[] w, double[] x)
            {
                var before = Tape.Current.Save();
                double da = 0;
                double[] dw = new double[3];
                double value = LongRecurrenceGradient(a, w, x, ref da, dw);
                double ha = 0;
                double[] hw = new double[3];
                LongRecurrenceHessianVector(a, w, x, 1.0, [0.5, -0.25, 2.0], ref ha, hw);
                return (value, da, dw, ha, hw, before, Tape.Current.Save());
            }

            var fresh = OnFreshThread(() => Run(a, w, x));
            Run(a, w, x);
            var warm = Run(a, w, x);

            Assert.Equal(fresh.Before, fresh.After);
            Assert.Equal(warm.Before, warm.After);
            Assert.Equal(warm.Value, fresh.Value);
            Assert.Equal(warm.Da, fresh.Da);
            Assert.Equal(warm.Dw, fresh.Dw);
            Assert.Equal(warm.Hva, fresh.Hva);
            Assert.Equal(warm.Hvw, fresh.Hvw);
            Assert.NotEqual(0.0, fresh.Da);
        }

        [Fact]
        public void GradientOnAFreshTapeMatchesFiniteDifferences()
        {
            double[] x = Row(600);
            var report = OnFreshThread(() => LongRecurrenceLoss.Check(new LongRecurrenceLoss.Params { a = 0.8, w = [0.3, -0.6, 0.9] }, ToMatrix(x)));
            Assert.True(report.Passed, report.ToString());
        }

        private static double[,] ToMatrix(double[] x)
        {
            var m = new double[1, x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                m[0, i] = x[i];
            }

            return m;
        }
    }

    public class Allocation
    {
        [Fact]
        public void WarmGradientAndHessianVectorCallsAllocateNothing()
        {
            double[] x = Row(2_000);
            double[] w = [0.7, -1.1, 0.4];
            double[] t = [0.5, -0.25, 2.0];
            double[] dw = new double[3], hw = new double[3];
            double da = 0, ha = 0;
            for (int k = 0; k < 3; k++)
            {
                LongRecurrenceGradient(0.9, w, x, ref da, dw);
                LongRecurrenceHessianVector(0.9, w, x, 1.0, t, ref ha, hw);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 200; k++)
            {
                LongRecurrenceGradient(0.9, w, x, ref da, dw);
                LongRecurrenceHessianVector(0.9, w, x, 1.0, t, ref ha, hw);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    public class Errors
    {
        [Fact]
        public void AnExceptionInsideTheLossLeavesTheTapeAsItWas()
        {
            // w has 2 elements where the loss reads 3: IndexOutOfRangeException midway through the forward sweep.
            double[] x = Row(1_000);
            var before = Tape.Current.Save();
            double da = 0;
            double[] dw = new double[2];
            Assert.Throws<IndexOutOfRangeException>(() => LongRecurrenceGradient(0.9, [0.7, -1.1], x, ref da, dw));
            Assert.Equal(before, Tape.Current.Save());
            Assert.Equal(0.0, da);

            double[] dw3 = new double[3];
            double value = LongRecurrenceGradient(0.9, [0.7, -1.1, 0.4], x, ref da, dw3);
            Assert.Equal(before, Tape.Current.Save());
            Assert.True(double.IsFinite(value));
        }
    }
}
