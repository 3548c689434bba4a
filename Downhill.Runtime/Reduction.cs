namespace Downhill;

/// <summary>How the rows of a batch combine into its loss (and so its gradient).</summary>
public enum Reduction
{
    /// <summary>The mean over the rows (the default, as downhill): the learning rate does not depend on the batch size.</summary>
    Mean,

    /// <summary>The sum over the rows: a batch of n rows weighs n times one row.</summary>
    Sum,
}
