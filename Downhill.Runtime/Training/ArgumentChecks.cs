using System.Numerics;

namespace Downhill;

/// <summary>
/// The checks of parameters, hyperparameters and data that training and the gradient check share, so that both
/// refuse the same mistakes with the same words before any evaluation.
/// </summary>
internal static class ArgumentChecks
{
    /// <summary>
    /// One array per [Param], a scalar as exactly one element, a vector with at least one (its length is its shape),
    /// every value finite. The message for an empty vector is the one the typed entry points give for a missing init.
    /// </summary>
    public static void Parameters<T>(LossSchema schema, T[][] parameters, string argument, string needs = "initial values")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameters.Length != schema.Params.Count)
        {
            throw new ArgumentException($"The loss {schema.Name} has {schema.Params.Count} parameters ({string.Join(", ", schema.Params.Select(p => p.Name))}); got {parameters.Length} arrays.", argument);
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            ParamSpec spec = schema.Params[i];
            T[]? values = parameters[i];
            if (spec.IsVector && (values is null || values.Length == 0))
            {
                throw new ArgumentException($"{argument}: the vector parameter '{spec.Name}' needs {needs}; their length gives its shape.", argument);
            }

            if (!spec.IsVector && (values is null || values.Length != 1))
            {
                throw new ArgumentException($"{argument}: parameter '{spec.Name}' is a scalar and needs exactly one element; got {values?.Length ?? 0}.", argument);
            }

            int bad = Array.FindIndex(values!, x => !T.IsFinite(x));
            if (bad >= 0)
            {
                throw new ArgumentException($"{argument}: parameter '{spec.Name}' starts with a non-finite value ({(T.IsNaN(values![bad]) ? "NaN" : "an infinity")}) at element {bad}.", argument);
            }
        }
    }

    /// <summary>One finite value per [Hyper]: a missing hyperparameter is an error naming it, never a silent 0.</summary>
    public static void Hypers<T>(LossSchema schema, T[] hypers, string argument)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (hypers.Length != schema.Hypers.Count)
        {
            string names = schema.Hypers.Count == 0 ? "none" : string.Join(", ", schema.Hypers);
            throw new ArgumentException($"The loss {schema.Name} has {schema.Hypers.Count} [Hyper] argument(s) ({names}), in that order; got {hypers.Length} value(s). Give every [Hyper] a value: a missing one is not 0.", argument);
        }

        for (int k = 0; k < hypers.Length; k++)
        {
            if (!T.IsFinite(hypers[k]))
            {
                throw new ArgumentException($"{argument}: the [Hyper] '{schema.Hypers[k]}' is {(T.IsNaN(hypers[k]) ? "NaN" : "an infinity")}; it must be finite.", argument);
            }
        }
    }

    /// <summary>The validation rows must be as wide as the training rows, column by column (both bound, neither callable).</summary>
    public static void SameWidths(LossSchema schema, Dataset train, Dataset valid)
    {
        if (ReferenceEquals(train, valid) || train.BoundWidths is not { } t || valid.BoundWidths is not { } v)
        {
            return;
        }

        for (int c = 0; c < schema.Data.Count && c < t.Count && c < v.Count; c++)
        {
            if (schema.Data[c].IsRow && t[c] != v[c])
            {
                throw new ArgumentException(
                    $"Data set '{valid.Name}', column '{schema.Data[c].Name}': its rows have {v[c]} elements, the rows of data set '{train.Name}' have {t[c]}; validation rows must be as wide as training rows.",
                    "valid");
            }
        }
    }
}
