using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Model;

namespace Downhill.Generators.Ir;

// The typed three-address IR that every transformation and emitter works on. One IR serves the C#
// emitter, the forward (tangent) and reverse (adjoint) transformations, their composition for
// Hessian-vector products, and later the CUDA emitter: nothing here is specific to one target.
// All records are equatable so that a parsed loss is a cacheable pipeline model.

/// <summary>The type of a variable. Real is the function's element type (double or float).</summary>
internal enum IrType : byte
{
    Real,
    Int,
    Bool,
    RealArray,
    IntArray,
}

/// <summary>Operations of an <see cref="Assign"/>; each writes one scalar.</summary>
internal enum Op : byte
{
    Copy,
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Rem,

    // Real functions of one argument.
    Exp,
    Log,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Floor,
    Ceiling,
    Round,
    Truncate,
    Sigmoid,
    LogSigmoid,
    Softplus,
    Relu,
    Square,
    Log1P,
    Expm1,

    // Real functions of two arguments.
    Pow,
    Atan2,
    Max,
    Min,
    LogSumExp2,

    // Comparisons (bool result) and logic.
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Not,

    /// <summary>args: bool, a, b → a when true else b (both already evaluated).</summary>
    Select,

    /// <summary>int → real.</summary>
    ToReal,

    /// <summary>real → int (truncation); drops the derivative.</summary>
    ToInt,

    /// <summary>args: array, index.</summary>
    Load,

    /// <summary>args: array → its length.</summary>
    Length,

    /// <summary>real → int sign (-1, 0, 1).</summary>
    Sign,
}

/// <summary>A variable reference or a typed constant.</summary>
internal readonly record struct Atom(string? Var, double Value, IrType ConstType)
{
    public bool IsConst => Var is null;

    public static Atom Of(string name) => new(name, 0, IrType.Real);

    public static Atom Real(double value) => new(null, value, IrType.Real);

    public static Atom Int(int value) => new(null, value, IrType.Int);

    public static Atom Bool(bool value) => new(null, value ? 1 : 0, IrType.Bool);

    public override string ToString() => Var ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>How a function parameter is passed.</summary>
internal enum ParamMode : byte
{
    /// <summary>A scalar by value.</summary>
    In,

    /// <summary>A scalar by reference (an accumulated output).</summary>
    Ref,

    /// <summary>A read-only array (ReadOnlySpan).</summary>
    Span,

    /// <summary>A writable array (Span): accumulated outputs.</summary>
    SpanOut,

    /// <summary>
    /// A writable array (Span) that the function reads and writes in place: a caller's scratch array handed to a
    /// [Differentiable] helper's <c>Span&lt;T&gt;</c> parameter (Softmax into it, say). Its adjoint and tangent are
    /// passed the same way: the adjoint array holds the adjoint of the values after the call on entry and that
    /// of the values before it on exit.
    /// </summary>
    SpanInOut,
}

/// <summary>One argument of a <see cref="Call"/>.</summary>
internal readonly record struct CallArg(Atom Atom, ParamMode Mode);

/// <summary>A statement of the IR.</summary>
internal abstract record Stmt;

/// <summary>
/// <c>Target = Op(Args)</c>. <paramref name="Loc"/> indexes the parse's source locations (-1: none); the IR itself
/// holds no positions, so an edit above a loss leaves its IR equal and every step after parsing cached.
/// </summary>
internal sealed record Assign(string Target, Op Op, EquatableArray<Atom> Args, int Loc = -1) : Stmt;

/// <summary><c>Array[Index] = Value</c>.</summary>
internal sealed record Store(string Array, Atom Index, Atom Value) : Stmt;

/// <summary><c>Target += Value</c>, or <c>Target[Index] += Value</c> when <paramref name="Index"/> is set.</summary>
internal sealed record AddTo(string Target, Atom? Index, Atom Value) : Stmt;

/// <summary>A two-way branch on a bool.</summary>
internal sealed record If(Atom Cond, EquatableArray<Stmt> Then, EquatableArray<Stmt> Else) : Stmt;

/// <summary>
/// <c>while (true) { Header; if (!Cond) break; Body }</c>. The header only computes the condition (fresh
/// temporaries, no side effects on other variables), so the reverse sweep never replays it.
/// </summary>
internal sealed record Loop(EquatableArray<Stmt> Header, Atom Cond, EquatableArray<Stmt> Body) : Stmt;

/// <summary>A call of another IR function; <paramref name="Target"/> receives its (real) result.</summary>
internal sealed record Call(string? Target, string Function, EquatableArray<CallArg> Args) : Stmt;

/// <summary>Allocates a zeroed scratch array of <paramref name="Length"/> elements.</summary>
internal sealed record Alloc(string Array, Atom Length) : Stmt;

/// <summary>
/// <c>throw new ExceptionType(Message)</c>: bad input that a function refuses (a matrix that is not positive definite,
/// say). Every derivative program keeps it where it is, so a derivative fails where its function fails.
/// </summary>
internal sealed record Throw(string ExceptionType, string Message) : Stmt;

/// <summary>Pushes a value on the tape (reverse mode's forward sweep).</summary>
internal sealed record Push(Atom Value, IrType Type) : Stmt;

/// <summary>Pops the last value pushed into <paramref name="Target"/>.</summary>
internal sealed record Pop(string Target) : Stmt;

/// <summary>
/// <c>(Target, TangentTarget) = (Op(Args), Σ ∂Op/∂Args[k] · Tangents[k])</c>: an operation and its tangent in
/// one call of a generated helper (<see cref="Function"/>). Forward mode writes this for operations the JIT
/// compiles to calls (Exp, Tanh, ...): a tangent kept in a register across such a call would be spilled, and
/// in a loop the JIT spills it on every iteration; passed to the helper, it is not live across the call.
/// </summary>
internal sealed record DualAssign(string Target, string TangentTarget, string Function, Op Op, EquatableArray<Atom> Args, EquatableArray<Atom> Tangents) : Stmt;

/// <summary>Returns a real (with <paramref name="Tangent"/>: a pair, for the helpers of <see cref="DualAssign"/>); only the last statement of a function body.</summary>
internal sealed record Return(Atom Value, Atom? Tangent = null) : Stmt;

/// <summary>A parameter of an IR function.</summary>
internal sealed record IrParam(string Name, IrType Type, ParamMode Mode);

/// <summary>A local of an IR function (declared at the top, zero-initialized).</summary>
internal sealed record IrLocal(string Name, IrType Type);

/// <summary>A source location (for diagnostics found after parsing, e.g. by activity analysis).</summary>
internal sealed record SourceLoc(string Path, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn, string Text);

/// <summary>A function: a loss, a helper, or a derivative of one. It returns a real. It holds no source positions.</summary>
internal sealed record IrFunction(
    string Name,
    bool IsFloat,
    EquatableArray<IrParam> Params,
    EquatableArray<IrLocal> Locals,
    EquatableArray<Stmt> Body);

/// <summary>Walks IR statement trees.</summary>
internal static class IrWalk
{
    /// <summary>Every statement of <paramref name="block"/> and of the blocks inside it (branches, loop headers and bodies), in preorder.</summary>
    public static IEnumerable<Stmt> All(IEnumerable<Stmt> block)
    {
        foreach (var s in block)
        {
            yield return s;
            var children = s switch
            {
                If i => i.Then.Concat(i.Else),
                Loop l => l.Header.Concat(l.Body),
                _ => [],
            };
            foreach (var c in All(children))
            {
                yield return c;
            }
        }
    }

    /// <summary>Whether <paramref name="function"/> is a <see cref="DualAssign"/> helper: it returns a value and its tangent.</summary>
    public static bool ReturnsPair(IrFunction function) =>
        function.Body.Count > 0 && function.Body[function.Body.Count - 1] is Return { Tangent: not null };
}
