namespace Downhill;

/// <summary>What a run does with a checkpoint that another run wrote (see <see cref="TrainingOptions.OnCheckpointMismatch"/>).</summary>
public enum CheckpointMismatch
{
    /// <summary>Throw an <see cref="InvalidOperationException"/> before training that names what differs (default).</summary>
    Refuse,

    /// <summary>Ignore the checkpoint, train from the given initial parameters, and overwrite it at the next save.</summary>
    StartFresh,
}
