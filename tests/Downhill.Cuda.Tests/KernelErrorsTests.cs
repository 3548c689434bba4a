using Downhill.Cuda.Training;
using Downhill.Derivatives.Tests.Cuda;

namespace Downhill.Cuda.Tests;

/// <summary>
/// The host side of a throw in device code (docs/cuda.md, Errors): the table of messages read back from a generated
/// source is exactly the C# path's exception types and messages, and an error record becomes the C# path's exception
/// with the data set's row.
/// </summary>
public class KernelErrorsTests
{
    [Fact]
    public void TheTableOfASourceHoldsTheCSharpMessagesExactly()
    {
        var errors = KernelErrors.Parse(ThrowingLosses.OwnThrowFLoss.CudaSource!);
        Assert.Equal(1, errors.Count);
        var expected = Assert.Throws<InvalidOperationException>(() => ThrowingLosses.OwnThrowF(1, -1));
        Assert.Equal(("System.InvalidOperationException", expected.Message), errors[1]);
    }

    [Fact]
    public void TheSpanLibraryChecksAreInTheTable()
    {
        var errors = KernelErrors.Parse(ThrowingLosses.CholeskyDiagonalLoss.CudaSource!);
        var messages = Enumerable.Range(1, errors.Count).Select(k => errors[k]).ToList();
        Assert.Contains(messages, m => m.Type == "System.ArgumentException" && m.Message.StartsWith("Fn.Cholesky: the matrix is not positive definite", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Message.StartsWith("Fn.Cholesky: the matrix and the result must have n * n elements", StringComparison.Ordinal));
        Assert.Equal(messages.Count, messages.Distinct().Count());
    }

    [Fact]
    public void ARecordBecomesTheCSharpExceptionWithTheDataSetsRow()
    {
        var errors = KernelErrors.Parse(ThrowingLosses.OwnThrowFLoss.CudaSource!);
        Assert.Null(errors.ToException(KernelErrors.NoError, 100));
        var e = Assert.IsType<InvalidOperationException>(errors.ToException((3UL << 16) | 1, 100));
        Assert.Equal(errors[1].Message, e.Message);
        Assert.Equal(103L, e.Data["Row"]);
        Assert.IsType<CudaException>(errors.ToException((3UL << 16) | 2, 100));
    }

    [Fact]
    public void ASourceWithoutThrowStatementsHasAnEmptyTable()
    {
        Assert.Equal(0, KernelErrors.Parse(Downhill.Derivatives.Tests.Corpus.Models.SquaredLoss.CudaSource!).Count);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\\\"b\\\\c\\?", "a\"b\\c?")]
    [InlineData("\\303\\251\\342\\234\\223", "é✓")]
    public void CEscapesAreUndone(string literal, string text) => Assert.Equal(text, KernelErrors.Unescape(literal));
}
