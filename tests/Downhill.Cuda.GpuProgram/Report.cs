namespace Downhill.Cuda.GpuProgram;

/// <summary>Counts checks, prints failures as they happen, and collects the figures written at the end.</summary>
internal sealed class Report
{
    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public List<string> Figures { get; } = [];

    public void Pass(string name)
    {
        Passed++;
        Console.WriteLine($"ok    {name}");
    }

    public void Fail(string name, string why)
    {
        Failed++;
        Console.WriteLine($"FAIL  {name}: {why}");
        Figures.Add($"FAIL {name}: {why}");
    }

    /// <summary>Runs <paramref name="check"/>: passed when it returns null, failed with its message (or its exception) otherwise.</summary>
    public void Check(string name, Func<string?> check)
    {
        try
        {
            if (check() is string why)
            {
                Fail(name, why);
            }
            else
            {
                Pass(name);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(name, $"{e.GetType().Name}: {e.Message}");
        }
    }

    public void Figure(string line)
    {
        Figures.Add(line);
        Console.WriteLine($"      {line}");
    }
}
