namespace Downhill;

/// <summary>Checks <see cref="TrainingOptions"/> before any training, so that a bad value fails fast and by name.</summary>
public static class TrainingOptionsValidation
{
    /// <summary>Throws if any option is out of its range (negative learning rate, NaN, momentum ≥ 1, ...).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; <c>ParamName</c> and the message name it.</exception>
    public static void Validate(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Algo))
        {
            throw new ArgumentOutOfRangeException(nameof(options.Algo), options.Algo, "Unknown algorithm. Valid names: sgd, nag, rprop, adagrad, rmsprop, adadelta, esgd, adam, adamw.");
        }

        Check(Enum.IsDefined(options.Reduction), options.Reduction, nameof(options.Reduction), "must be Mean or Sum");
        NonNegative(options.LearningRate, nameof(options.LearningRate));
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
        Positive(options.RPropIncrease, nameof(options.RPropIncrease));
        Positive(options.RPropDecrease, nameof(options.RPropDecrease));
        NonNegative(options.RPropMinStep, nameof(options.RPropMinStep));
        Check(double.IsFinite(options.RPropMaxStep) && options.RPropMaxStep >= options.RPropMinStep, options.RPropMaxStep, nameof(options.RPropMaxStep), "must be finite and at least RPropMinStep");
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
