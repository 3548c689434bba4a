using System.Numerics;

namespace Downhill;

/// <summary>One method per mode of the check: each compares a generated derivative with finite differences and records the errors.</summary>
internal sealed partial class GradientChecker<T>
{
    /// <summary>Every mode at one point, in a fixed order (the directions are drawn from the seeded generator in it).</summary>
    private void CheckPoint(int point, T[][] x)
    {
        double loss = model.SumLoss(x, hypers, batch, 0, rows);
        (double[][] fdParams, double[][] noiseParams) = ParameterDifferences(x);
        double gLoss = CheckGradient(point, x, fdParams, noiseParams);
        double gfLoss = CheckGradientFull(point, x, fdParams, noiseParams);
        T[][] t = Direction(x);
        double tLoss = CheckTangent(point, x, t, fdParams);
        double hvLoss = loss;
        double hvfLoss = loss;
        if (options.CheckSecondOrder)
        {
            hvLoss = CheckHessianVector(point, x, t);
            hvfLoss = CheckHessianVectorFull(point, x, t);
            CheckSymmetry(point, x);
        }

        CheckValue(point, loss, [gLoss, gfLoss, tLoss, hvLoss, hvfLoss]);
    }

    /// <summary>Differences of the loss, element by element of every parameter, and their noise.</summary>
    private (double[][] Value, double[][] Noise) ParameterDifferences(T[][] x)
    {
        var fdParams = new double[x.Length][];
        var noiseParams = new double[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            fdParams[p] = new double[x[p].Length];
            noiseParams[p] = new double[x[p].Length];
            for (int j = 0; j < x[p].Length; j++)
            {
                T saved = x[p][j];
                var param = x[p];
                int jj = j;
                (fdParams[p][j], noiseParams[p][j]) = differences.Derivative(double.CreateChecked(saved), s =>
                {
                    param[jj] = saved + T.CreateChecked(s);
                    double v = model.SumLoss(x, hypers, batch, 0, rows);
                    param[jj] = saved;
                    return v;
                });
            }
        }

        return (fdParams, noiseParams);
    }

    /// <summary>First order: the gradient, element by element, against differences of the loss; returns the loss it returned.</summary>
    private double CheckGradient(int point, T[][] x, double[][] fdParams, double[][] noiseParams)
    {
        var g = Zeros(x);
        double gLoss = model.SumGradient(x, hypers, batch, 0, rows, g);
        var group = new Group(this, GradientCheckMode.Gradient, firstTol, point);
        for (int p = 0; p < x.Length; p++)
        {
            int pp = p;
            group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(g[p]), fdParams[p], noiseParams[p], j => differences.KinkAt(x[pp], j, () => model.SumLoss(x, hypers, batch, 0, rows)));
        }

        group.Commit();
        return gLoss;
    }

    /// <summary>The full gradient (parameters, hyperparameters, real data elements) against differences of the loss; returns the loss it returned.</summary>
    private double CheckGradientFull(int point, T[][] x, double[][] fdParams, double[][] noiseParams)
    {
        var gf = Zeros(x);
        var gh = new T[hypers.Length];
        var gd = DataZeros();
        double gfLoss = model.SumGradientFull(x, hypers, batch, 0, rows, gf, gh, gd);
        var fdHypers = new double[hypers.Length];
        var noiseHypers = new double[hypers.Length];
        for (int k = 0; k < hypers.Length; k++)
        {
            T saved = hypers[k];
            int kk = k;
            (fdHypers[k], noiseHypers[k]) = differences.Derivative(double.CreateChecked(saved), s =>
            {
                hypers[kk] = saved + T.CreateChecked(s);
                double v = model.SumLoss(x, hypers, batch, 0, rows);
                hypers[kk] = saved;
                return v;
            });
        }

        var fdData = new double[data.Length][];
        var noiseData = new double[data.Length][];
        if (options.CheckData)
        {
            for (int c = 0; c < data.Length; c++)
            {
                if (data[c] is not T[] column)
                {
                    continue;
                }

                fdData[c] = new double[column.Length];
                noiseData[c] = new double[column.Length];
                for (int e = 0; e < column.Length; e++)
                {
                    // Rows are independent: only the element's own row changes.
                    int row = e / widths[c];
                    T saved = column[e];
                    int ee = e;
                    (fdData[c][e], noiseData[c][e]) = differences.Derivative(double.CreateChecked(saved), s =>
                    {
                        column[ee] = saved + T.CreateChecked(s);
                        double v = model.SumLoss(x, hypers, batch, row, row + 1);
                        column[ee] = saved;
                        return v;
                    });
                }
            }
        }

        var group = new Group(this, GradientCheckMode.GradientFull, firstTol, point);
        for (int p = 0; p < x.Length; p++)
        {
            int pp = p;
            group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(gf[p]), fdParams[p], noiseParams[p], j => differences.KinkAt(x[pp], j, () => model.SumLoss(x, hypers, batch, 0, rows)));
        }

        for (int k = 0; k < hypers.Length; k++)
        {
            int kk = k;
            group.Add(GradientCheckArgumentKind.Hyper, schema.Hypers[k], [double.CreateChecked(gh[k])], [fdHypers[k]], [noiseHypers[k]], _ => differences.KinkAt(hypers, kk, () => model.SumLoss(x, hypers, batch, 0, rows)));
        }

        for (int c = 0; c < data.Length; c++)
        {
            if (fdData[c] is { } fd && gd[c] is { } generated && data[c] is T[] column)
            {
                int width = widths[c];
                group.Add(GradientCheckArgumentKind.Data, schema.Data[c].Name, ToDouble(generated), fd, noiseData[c], e => differences.KinkAt(column, e, () => model.SumLoss(x, hypers, batch, e / width, (e / width) + 1)));
            }
        }

        group.Commit();
        return gfLoss;
    }

    /// <summary>Forward mode along the direction <paramref name="t"/> against differences of the loss along it; returns the loss it returned.</summary>
    private double CheckTangent(int point, T[][] x, T[][] t, double[][] fdParams)
    {
        var (tLoss, tangent) = model.SumTangent(x, hypers, batch, 0, rows, t);
        var fdTangent = differences.Along(x, t, y => [model.SumLoss(y, hypers, batch, 0, rows)]);
        double tangentScale = 0;
        for (int p = 0; p < x.Length; p++)
        {
            for (int j = 0; j < x[p].Length; j++)
            {
                tangentScale += Math.Abs(fdParams[p][j] * double.CreateChecked(t[p][j]));
            }
        }

        Record(GradientCheckMode.Tangent, GradientCheckArgumentKind.All, "along t", firstTol, point, 0, tangent, fdTangent.Value[0], tangentScale, fdTangent.Noise[0],
            () => differences.KinkAlong(x, t, y => [model.SumLoss(y, hypers, batch, 0, rows)], 0));
        return tLoss;
    }

    /// <summary>Second order: the Hessian-vector product against differences of the gradient along <paramref name="t"/>; returns the loss it returned.</summary>
    private double CheckHessianVector(int point, T[][] x, T[][] t)
    {
        var hv = Zeros(x);
        double hvLoss = model.SumHessianVector(x, hypers, batch, 0, rows, t, hv);
        Func<T[][], double[]> gradientAt = y =>
        {
            var gy = Zeros(y);
            model.SumGradient(y, hypers, batch, 0, rows, gy);
            return Flatten(gy);
        };
        var fdHv = differences.Along(x, t, gradientAt);
        var group = new Group(this, GradientCheckMode.HessianVector, secondTol, point);
        int offset = 0;
        for (int p = 0; p < x.Length; p++)
        {
            int first = offset;
            group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(hv[p]), fdHv.Slice(offset, x[p].Length), fdHv.NoiseSlice(offset, x[p].Length), j => differences.KinkAlong(x, t, gradientAt, first + j));
            offset += x[p].Length;
        }

        group.Commit();
        return hvLoss;
    }

    /// <summary>The full Hessian-vector product against differences of the full gradient along <paramref name="t"/>; returns the loss it returned.</summary>
    private double CheckHessianVectorFull(int point, T[][] x, T[][] t)
    {
        var hp = Zeros(x);
        var hh = new T[hypers.Length];
        var hd = DataZeros();
        double hvfLoss = model.SumHessianVectorFull(x, hypers, batch, 0, rows, t, hp, hh, hd);
        Func<T[][], double[]> fullGradientAt = y =>
        {
            var gy = Zeros(y);
            var ghy = new T[hypers.Length];
            var gdy = DataZeros();
            model.SumGradientFull(y, hypers, batch, 0, rows, gy, ghy, gdy);
            var all = new List<double>(Flatten(gy));
            all.AddRange(ghy.Select(double.CreateChecked));
            foreach (var col in gdy)
            {
                if (col is not null)
                {
                    all.AddRange(col.Select(double.CreateChecked));
                }
            }

            return [.. all];
        };
        var fdFull = differences.Along(x, t, fullGradientAt);
        var group = new Group(this, GradientCheckMode.HessianVectorFull, secondTol, point);
        int offset = 0;
        for (int p = 0; p < x.Length; p++)
        {
            int first = offset;
            group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(hp[p]), fdFull.Slice(offset, x[p].Length), fdFull.NoiseSlice(offset, x[p].Length), j => differences.KinkAlong(x, t, fullGradientAt, first + j));
            offset += x[p].Length;
        }

        for (int k = 0; k < hypers.Length; k++)
        {
            int first = offset;
            group.Add(GradientCheckArgumentKind.Hyper, schema.Hypers[k], [double.CreateChecked(hh[k])], fdFull.Slice(offset, 1), fdFull.NoiseSlice(offset, 1), _ => differences.KinkAlong(x, t, fullGradientAt, first));
            offset++;
        }

        for (int c = 0; c < data.Length; c++)
        {
            if (hd[c] is { } generated)
            {
                if (options.CheckData)
                {
                    int first = offset;
                    group.Add(GradientCheckArgumentKind.Data, schema.Data[c].Name, ToDouble(generated), fdFull.Slice(offset, generated.Length), fdFull.NoiseSlice(offset, generated.Length), e => differences.KinkAlong(x, t, fullGradientAt, first + e));
                }

                offset += generated.Length;
            }
        }

        group.Commit();
        return hvfLoss;
    }

    /// <summary>Symmetry of the Hessian: u·Hv = v·Hu for two random directions.</summary>
    private void CheckSymmetry(int point, T[][] x)
    {
        var u = Direction(x);
        var v = Direction(x);
        var hu = Zeros(x);
        var hvv = Zeros(x);
        model.SumHessianVector(x, hypers, batch, 0, rows, u, hu);
        model.SumHessianVector(x, hypers, batch, 0, rows, v, hvv);
        double uHv = 0, vHu = 0, symScale = 0;
        for (int p = 0; p < x.Length; p++)
        {
            for (int j = 0; j < x[p].Length; j++)
            {
                double a = double.CreateChecked(u[p][j]) * double.CreateChecked(hvv[p][j]);
                double b = double.CreateChecked(v[p][j]) * double.CreateChecked(hu[p][j]);
                uHv += a;
                vHu += b;
                symScale += Math.Max(Math.Abs(a), Math.Abs(b));
            }
        }

        Record(GradientCheckMode.Symmetry, GradientCheckArgumentKind.All, "u·Hv vs v·Hu", secondTol, point, 0, uHv, vHu, symScale, 0);
    }

    /// <summary>Every method returns the loss itself: the worst of <paramref name="returned"/> against <paramref name="loss"/>.</summary>
    private void CheckValue(int point, double loss, double[] returned)
    {
        double worst = 0;
        double worstValue = loss;
        foreach (double other in returned)
        {
            double err = Error(other, loss, 0, 0);
            if (!(err <= worst))
            {
                worst = err;
                worstValue = other;
            }
        }

        Record(GradientCheckMode.Value, GradientCheckArgumentKind.All, "loss", firstTol, point, 0, worstValue, loss, 0, 0);
    }
}
