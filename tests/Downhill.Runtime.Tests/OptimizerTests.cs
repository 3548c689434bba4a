using Downhill.Optimizers;

namespace Downhill.Runtime.Tests;

public class OptimizerTests
{
    private static readonly Algo[] AllAlgos = Enum.GetValues<Algo>();

    public static TheoryData<Algo> Algos()
    {
        var data = new TheoryData<Algo>();
        foreach (Algo a in AllAlgos)
        {
            data.Add(a);
        }

        return data;
    }

    /// <summary>One step from (−3, −3) with the given options; returns the new point.</summary>
    private static double[] FirstStep(Algo algo, double learningRate = 1e-4)
    {
        var model = new Rosenbrock();
        double[][] p = [[-3, -3]];
        double[][] g = [new double[2]];
        // ADADELTA has no learning rate (setting one is refused), so its options stay at their defaults.
        var optimizer = Optimizer.Create(algo, algo == Algo.AdaDelta ? new TrainingOptions() : new TrainingOptions { LearningRate = learningRate });
        DataBatch batch = DataBatch.Empty;
        double loss = model.SumGradient(p, [], batch, 0, 1, g);
        Assert.Equal(14416, loss);
        Assert.Equal([-14408.0, -2400.0], g[0]);
        optimizer.Step(p, g, (t, product) =>
        {
            foreach (double[] a in product)
            {
                Array.Clear(a);
            }

            model.SumHessianVector(p, [], batch, 0, 1, t, product);
        });
        return p[0];
    }

    [Fact]
    public void Sgd_first_step_matches_downhill()
    {
        double[] p = FirstStep(Algo.Sgd);
        Assert.Equal(-1.5592, p[0], 10);
        Assert.Equal(-2.76, p[1], 10);
    }

    [Theory]
    [InlineData(Algo.RmsProp, 4.664e-4)]
    [InlineData(Algo.AdaDelta, 4.550e-4)]
    [InlineData(Algo.Adam, 1e-4)]
    [InlineData(Algo.AdaGrad, 1e-4)]
    [InlineData(Algo.RProp, 1e-4)]
    public void First_step_moves_each_coordinate_as_downhill(Algo algo, double expected)
    {
        double[] p = FirstStep(algo);
        Assert.Equal(expected, p[0] + 3, 6);
        Assert.Equal(expected, p[1] + 3, 6);
        Assert.InRange(Math.Abs(p[0] + 3 - expected) / expected, 0, 2e-3);
    }

    [Fact]
    public void RmsProp_and_AdaDelta_first_steps_follow_their_closed_forms()
    {
        double gamma = Math.Exp(-Math.Log(2) / 14);
        Assert.Equal(1e-4 / Math.Sqrt(gamma * (1 - gamma)), FirstStep(Algo.RmsProp)[0] + 3, 9);
        Assert.Equal(Math.Sqrt(1e-8) / Math.Sqrt(1 - gamma), FirstStep(Algo.AdaDelta)[0] + 3, 9);
    }

    [Fact]
    public void Esgd_and_AdamW_first_steps_go_downhill()
    {
        double[] e = FirstStep(Algo.Esgd);
        Assert.True(e[0] > -3 && e[1] > -3);
        double[] w = FirstStep(Algo.AdamW);

        // Adam's 1e-4 plus the decoupled decay α·λ·p = 1e-4 · 0.01 · (−3).
        Assert.Equal(1e-4 + 3e-6, w[0] + 3, 9);
    }

    [Fact]
    public void Defaults_are_downhills()
    {
        var o = new TrainingOptions();
        Assert.Equal(Algo.RmsProp, o.Algo);
        Assert.Equal(1e-4, o.LearningRate);
        Assert.Equal(0, o.Momentum);
        Assert.False(o.Nesterov);
        Assert.Equal(5, o.Patience);
        Assert.Equal(10, o.ValidateEvery);
        Assert.Equal(0, o.MinImprovement);
        Assert.Equal(0, o.MaxGradientNorm);
        Assert.Equal(0, o.MaxGradientElem);
        Assert.Equal(0.9516951530, new RmsProp(o).Decay, 9);
        var adam = new Adam(o);
        Assert.Equal(0.9057236643, adam.Beta1, 9);
        Assert.Equal(0.9900046773, adam.Beta2, 9);
        Assert.Equal(1e-8, adam.Epsilon);
        var rprop = new RProp(o);
        Assert.Equal((1.01, 0.99, 0.0, 100.0), (rprop.Increase, rprop.Decrease, rprop.MinStep, rprop.MaxStep));
        Assert.True(new Nag(o).Nesterov);
        Assert.False(new Sgd(o).Nesterov);
    }

    [Fact]
    public void Create_by_name_is_case_insensitive_and_unknown_names_list_the_valid_ones()
    {
        Assert.IsType<RmsProp>(Optimizer.Create("RMSProp", new TrainingOptions()));
        Assert.IsType<AdaDelta>(Optimizer.Create("adadelta", new TrainingOptions()));
        Assert.IsType<Nag>(Optimizer.Create("NAG", new TrainingOptions()));
        var e = Assert.Throws<ArgumentException>(() => Optimizer.Create("adamax", new TrainingOptions()));
        Assert.Contains("adamax", e.Message);
        foreach (string name in Optimizer.Names)
        {
            Assert.Contains(name, e.Message);
        }
    }

    [Fact]
    public void The_registry_has_every_algorithm_once_and_each_name_builds_its_own()
    {
        Assert.Equal(AllAlgos, AlgorithmRegistry.All.Select(e => e.Algo));
        Assert.Equal(AllAlgos.Length, Optimizer.Names.Distinct().Count());
        foreach (Algo algo in AllAlgos)
        {
            string name = Optimizer.Names[Array.IndexOf(AllAlgos, algo)];
            Assert.Equal(algo.ToString().ToLowerInvariant(), name);
            Assert.Equal(algo, Optimizer.ParseAlgo($" {name.ToUpperInvariant()} "));
            var options = algo == Algo.AdaDelta ? new TrainingOptions() : new TrainingOptions { LearningRate = 0.1 };
            Assert.Equal(Optimizer.Create(algo, options).GetType(), Optimizer.Create(name, options).GetType());
            Assert.Equal(algo.ToString(), Optimizer.Create(algo, options).GetType().Name);
        }
    }

    [Fact]
    public void An_undefined_algorithm_value_lists_the_valid_names()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Create((Algo)99, new TrainingOptions { Algo = (Algo)99 }));
        Assert.Contains("Valid names: " + string.Join(", ", Optimizer.Names) + ".", e.Message);
    }

    [Theory]
    [InlineData(nameof(TrainingOptions.LearningRate), -1.0)]
    [InlineData(nameof(TrainingOptions.LearningRate), double.NaN)]
    [InlineData(nameof(TrainingOptions.Momentum), 1.0)]
    [InlineData(nameof(TrainingOptions.MaxGradientNorm), -0.5)]
    [InlineData(nameof(TrainingOptions.RmsHalflife), 0.0)]
    [InlineData(nameof(TrainingOptions.MinImprovement), double.PositiveInfinity)]
    public void Bad_options_throw_naming_the_option(string option, double value)
    {
        var o = new TrainingOptions();
        typeof(TrainingOptions).GetProperty(option)!.SetValue(o, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Create(Algo.Sgd, o));
        Assert.Equal(option, e.ParamName);
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void Element_clipping_wins_over_norm_clipping()
    {
        // Create refuses both limits (one would be ignored); an optimizer built directly still applies the rule.
        var options = new TrainingOptions { LearningRate = 1, MaxGradientElem = 2, MaxGradientNorm = 1 };
        Assert.Equal(nameof(TrainingOptions.MaxGradientNorm), Assert.Throws<ArgumentException>(() => Optimizer.Create(Algo.Sgd, options)).ParamName);
        double[][] p = [[0, 0]];
        var both = new Sgd(options);
        both.Step(p, [[3, -4]]);
        Assert.Equal([-2.0, 2.0], p[0]);

        p = [[0, 0]];
        var norm = Optimizer.Create(Algo.Sgd, new TrainingOptions { LearningRate = 1, MaxGradientNorm = 1 });
        norm.Step(p, [[3, -4]]);
        Assert.Equal(-0.6, p[0][0], 12);
        Assert.Equal(0.8, p[0][1], 12);
    }

    [Fact]
    public void Momentum_and_Nesterov_follow_downhills_head_form()
    {
        double[][] p = [[0]];
        var classical = Optimizer.Create(Algo.Sgd, new TrainingOptions { LearningRate = 1, Momentum = 0.5 });
        classical.Step(p, [[1]]);
        Assert.Equal(-1, p[0][0]);
        classical.Step(p, [[1]]);
        Assert.Equal(-1 - 1.5, p[0][0]); // v = 0.5·(−1) − 1

        p = [[0]];
        var nesterov = Optimizer.Create(Algo.Sgd, new TrainingOptions { LearningRate = 1, Momentum = 0.5, Nesterov = true });
        nesterov.Step(p, [[1]]);
        Assert.Equal(-1.5, p[0][0]); // v = −(1 + μ)·D
        nesterov.Step(p, [[1]]);
        Assert.Equal(-1.5 + ((0.25 * -1.5) - 1.5), p[0][0]); // v = μ²v − (1 + μ)D

        p = [[0]];
        var nag = Optimizer.Create(Algo.Nag, new TrainingOptions { LearningRate = 1, Momentum = 0.5 });
        nag.Step(p, [[1]]);
        Assert.Equal(-1.5, p[0][0]);
    }

    [Fact]
    public void RProp_grows_steps_while_the_sign_holds_and_shrinks_and_skips_on_a_flip()
    {
        double[][] p = [[0]];
        var rprop = Optimizer.Create(Algo.RProp, new TrainingOptions { LearningRate = 0.1, RPropIncrease = 2, RPropDecrease = 0.5 });
        rprop.Step(p, [[1]]);
        Assert.Equal(-0.1, p[0][0], 12);
        rprop.Step(p, [[1]]);
        Assert.Equal(-0.3, p[0][0], 12); // step 0.2
        rprop.Step(p, [[-1]]);
        Assert.Equal(-0.3, p[0][0], 12); // sign flip: step 0.1, no move
        rprop.Step(p, [[-1]]);
        Assert.Equal(-0.2, p[0][0], 12); // previous zeroed: step stays 0.1
    }

    [Fact]
    public void Float_parameters_are_stepped_in_float()
    {
        float[][] p = [[-3f, -3f]];
        var sgd = Optimizer.Create(Algo.Sgd, new TrainingOptions { LearningRate = 1e-4 });
        sgd.Step(p, [[-14408f, -2400f]]);
        Assert.Equal(-1.5592f, p[0][0], 4);
        Assert.Equal(-2.76f, p[0][1], 5);
    }

    [Fact]
    public void A_user_subclass_plugs_into_the_trainer()
    {
        double[][] p = [[-3, -3]];
        var options = new TrainingOptions { MaxUpdates = 5, Threads = 1 };
        var data = new Dataset(Array.Empty<Array>());
        int epochs = Trainer.Iterate(new Rosenbrock(), data, null, p, [], options, new SignDescent(options)).Count();
        Assert.Equal(5, epochs);
        Assert.Equal(-3 + (5 * 1e-3), p[0][0], 9);
    }

    private sealed class SignDescent(TrainingOptions options) : Optimizer(options)
    {
        protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
        {
            for (int j = 0; j < gradientToDelta.Length; j++)
            {
                gradientToDelta[j] = T.CreateTruncating(1e-3 * T.Sign(gradientToDelta[j]));
            }
        }
    }
}
