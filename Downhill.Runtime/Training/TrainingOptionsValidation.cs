namespace Downhill;

/// <summary>Checks <see cref="TrainingOptions"/> before any training, so that a bad value fails fast and by name.</summary>
public static class TrainingOptionsValidation
{
    /// <summary>Throws if any option is out of its range (negative learning rate, NaN, momentum ≥ 1, ...).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; <c>ParamName</c> and the message name it.</exception>
    public static void Validate(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Optimizers.AlgorithmRegistry.Find(options.Algo) is null)
        {
            throw new ArgumentOutOfRangeException(nameof(options.Algo), options.Algo, $"Unknown algorithm. {Optimizers.AlgorithmRegistry.ValidNames}");
        }

        Check(Enum.IsDefined(options.Reduction), options.Reduction, nameof(options.Reduction), "must be Mean or Sum");
        Check(Enum.IsDefined(options.Device), options.Device, nameof(options.Device), "must be Cpu, Cuda or Auto");
        Positive(options.LearningRate, nameof(options.LearningRate));
        Check(options.Momentum >= 0 && options.Momentum < 1, options.Momentum, nameof(options.Momentum), "must be in [0, 1)");
        if (options.TrainBatches is int tb)
        {
            Check(tb >= 1, tb, nameof(options.TrainBatches), "must be at least 1 when set");
        }

        if (options.ValidBatches is int vb)
        {
            Check(vb >= 1, vb, nameof(options.ValidBatches), "must be at least 1 when set");
        }

        Check(options.ValidateEvery >= 1, options.ValidateEvery, nameof(options.ValidateEvery), "must be at least 1");
        Check(options.Patience >= 0, options.Patience, nameof(options.Patience), "must not be negative");
        NonNegative(options.MinImprovement, nameof(options.MinImprovement));
        if (options.MaxUpdates is int mu)
        {
            Check(mu >= 0, mu, nameof(options.MaxUpdates), "must not be negative");
        }

        NonNegative(options.MaxGradientNorm, nameof(options.MaxGradientNorm));
        NonNegative(options.MaxGradientElem, nameof(options.MaxGradientElem));
        Positive(options.RmsHalflife, nameof(options.RmsHalflife));
        NonNegative(options.RmsRegularizer, nameof(options.RmsRegularizer));
        if (options.Beta1 is double b1)
        {
            Check(b1 >= 0 && b1 < 1, b1, nameof(options.Beta1), "must be in [0, 1)");
        }

        if (options.Beta2 is double b2)
        {
            Check(b2 >= 0 && b2 < 1, b2, nameof(options.Beta2), "must be in [0, 1)");
        }

        Positive(options.Beta1Halflife, nameof(options.Beta1Halflife));
        Positive(options.Beta2Halflife, nameof(options.Beta2Halflife));
        Check(double.IsFinite(options.RPropIncrease) && options.RPropIncrease >= 1, options.RPropIncrease, nameof(options.RPropIncrease), "must be a finite number >= 1 (the step grows while the gradient keeps its sign)");
        Check(options.RPropDecrease > 0 && options.RPropDecrease <= 1, options.RPropDecrease, nameof(options.RPropDecrease), "must be in (0, 1] (the step shrinks when the gradient changes sign)");
        NonNegative(options.RPropMinStep, nameof(options.RPropMinStep));
        Check(double.IsFinite(options.RPropMaxStep) && options.RPropMaxStep > 0 && options.RPropMaxStep >= options.RPropMinStep, options.RPropMaxStep, nameof(options.RPropMaxStep), "must be finite, > 0 and at least RPropMinStep");
        NonNegative(options.WeightDecay, nameof(options.WeightDecay));
        if (options.Threads is int th)
        {
            Check(th >= 1, th, nameof(options.Threads), "must be at least 1 when set");
        }

        Check(options.CheckpointEvery >= 1, options.CheckpointEvery, nameof(options.CheckpointEvery), "must be at least 1");
        if (options.CheckpointPath is not null)
        {
            Check(options.CheckpointPath.Trim().Length > 0, options.CheckpointPath, nameof(options.CheckpointPath), "must not be empty when set");
        }
    }

    /// <summary>
    /// Throws if an option was set that <paramref name="algo"/> ignores (a weight decay with RMSProp, Adam's betas
    /// with SGD, a learning rate with ADADELTA, Nesterov without momentum, ...) or that another set option
    /// overrides, so that a setting never silently does nothing. Options left at their defaults are never refused.
    /// </summary>
    /// <param name="algo">The algorithm the options are for.</param>
    /// <param name="options">The options (already range-checked by <see cref="Validate"/>).</param>
    /// <exception cref="ArgumentException">A set option has no effect; <c>ParamName</c> and the message name it and say what to do.</exception>
    public static void ValidateForAlgorithm(Algo algo, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Unused(options, algo, nameof(options.LearningRate), "every algorithm but ADADELTA", algo != Algo.AdaDelta);
        Unused(options, algo, nameof(options.RmsHalflife), "RmsProp, AdaDelta and Esgd", algo is Algo.RmsProp or Algo.AdaDelta or Algo.Esgd);
        Unused(options, algo, nameof(options.RmsRegularizer), "AdaGrad, RmsProp, AdaDelta, Esgd, Adam and AdamW", algo is Algo.AdaGrad or Algo.RmsProp or Algo.AdaDelta or Algo.Esgd or Algo.Adam or Algo.AdamW);
        foreach (string adam in new[] { nameof(options.Beta1), nameof(options.Beta2), nameof(options.Beta1Halflife), nameof(options.Beta2Halflife) })
        {
            Unused(options, algo, adam, "Adam and AdamW", algo is Algo.Adam or Algo.AdamW);
        }

        foreach (string rprop in new[] { nameof(options.RPropIncrease), nameof(options.RPropDecrease), nameof(options.RPropMinStep), nameof(options.RPropMaxStep) })
        {
            Unused(options, algo, rprop, "RProp", algo == Algo.RProp);
        }

        Unused(options, algo, nameof(options.WeightDecay), "AdamW (for an L2 penalty with another algorithm, add it to the loss)", algo == Algo.AdamW);
        if (options.Beta1 is not null && options.IsSet(nameof(options.Beta1Halflife)))
        {
            throw new ArgumentException("Options Beta1 and Beta1Halflife both set Adam's first-moment decay and Beta1 wins: set only one of them.", nameof(options.Beta1Halflife));
        }

        if (options.Beta2 is not null && options.IsSet(nameof(options.Beta2Halflife)))
        {
            throw new ArgumentException("Options Beta2 and Beta2Halflife both set Adam's second-moment decay and Beta2 wins: set only one of them.", nameof(options.Beta2Halflife));
        }

        if (options.Nesterov && options.Momentum == 0 && algo != Algo.Nag)
        {
            throw new ArgumentException("Option Nesterov has no effect without Momentum: set Momentum in (0, 1) as well, or choose Algo.Nag.", nameof(options.Nesterov));
        }

        if (options.MaxGradientElem > 0 && options.MaxGradientNorm > 0)
        {
            throw new ArgumentException("Options MaxGradientElem and MaxGradientNorm are both set and MaxGradientElem wins, so the norm limit would be ignored: set only one of them.", nameof(options.MaxGradientNorm));
        }
    }

    private static void Unused(TrainingOptions options, Algo algo, string name, string usedBy, bool used)
    {
        if (!used && options.IsSet(name))
        {
            throw new ArgumentException($"Option {name} is used only by {usedBy}; the algorithm {algo} ignores it. Choose an algorithm that uses it, or leave {name} unset.", name);
        }
    }

    private static void NonNegative(double value, string name) =>
        Check(double.IsFinite(value) && value >= 0, value, name, "must be a finite number >= 0");

    private static void Positive(double value, string name) =>
        Check(double.IsFinite(value) && value > 0, value, name, "must be a finite number > 0");

    private static void Check(bool ok, object? value, string name, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Option {name} {rule}; got {value}.");
        }
    }
}
