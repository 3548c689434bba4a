using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;

namespace Downhill.Generators.Emit;

/// <summary>
/// The target-independent part of writing an IR function as a C-family function body (as ILGPU's
/// <c>IBackendCodeGenerator</c> with its backend specializers): the signature's place, the locals a body
/// uses, the order of statements, branches and loops, and assignments spelled from the op table
/// (<c>Ir/OpInfo.cs</c>). A target (C#: <c>CSharp/CSharpFunctionEmitter</c>) spells the signature, the local
/// declarations, constants, and the statements that touch the runtime (calls, the tape, returns).
/// </summary>
internal abstract class FunctionPrinter
{
    private readonly Dictionary<string, IrType> types = [];

    protected FunctionPrinter(IrFunction function, IndentedWriter writer)
    {
        Function = function;
        W = writer;
        foreach (var p in function.Params)
        {
            types[p.Name] = p.Type;
        }

        foreach (var l in function.Locals)
        {
            types[l.Name] = l.Type;
        }
    }

    /// <summary>The function being written.</summary>
    protected IrFunction Function { get; }

    /// <summary>Where it is written.</summary>
    protected IndentedWriter W { get; }

    /// <summary>Writes the function: signature, the locals it uses (grouped by type), the target's prologue, the body.</summary>
    protected void Print()
    {
        var used = StmtVars.Mentioned(Function.Body);
        W.Open(Signature());
        foreach (var group in Function.Locals.Where(l => used.Contains(l.Name)).GroupBy(l => l.Type))
        {
            DeclareLocals(group.Key, group.Select(l => l.Name).ToList());
        }

        Prologue(IrWalk.All(Function.Body).ToList());
        Block(Function.Body);
        W.Close();
    }

    /// <summary>The function's header line.</summary>
    protected abstract string Signature();

    /// <summary>Declares (zero-initialized) the used locals of one type.</summary>
    protected abstract void DeclareLocals(IrType type, IReadOnlyList<string> names);

    /// <summary>What the body needs before its first statement, given all its statements (the tape, scratch marks).</summary>
    protected abstract void Prologue(IReadOnlyList<Stmt> statements);

    /// <summary>A variable or a constant of the target's language.</summary>
    protected abstract string A(Atom a);

    /// <summary>The target's spelling of an operation (a column of the op table).</summary>
    protected abstract OpSpelling Spelling(OpInfo info);

    /// <summary>Writes a statement that only the target knows how to spell: calls, allocations, pushes, pops, returns.</summary>
    protected abstract void TargetStatement(Stmt s);

    /// <summary>A variable written to, as the target spells it (C# as it is; CUDA C mangles names and dereferences ref parameters).</summary>
    protected virtual string Name(string variable) => variable;

    /// <summary>An element of an array written to (C#: <c>a[i]</c>; CUDA C: a strided span).</summary>
    protected virtual string Element(string array, string index) => $"{Name(array)}[{index}]";

    /// <summary>A constant atom as C-family text: an int's digits, <c>true</c>/<c>false</c>, or a real through
    /// the target's <paramref name="realLiteral"/> (the one spelling shared by the C#, lane and CUDA C emitters).</summary>
    public static string Constant(Atom a, bool isFloat, Func<double, bool, string> realLiteral) => a.ConstType switch
    {
        IrType.Int => ((int)a.Value).ToString(CultureInfo.InvariantCulture),
        IrType.Bool => a.Value != 0 ? "true" : "false",
        _ => realLiteral(a.Value, isFloat),
    };

    /// <summary>The type of a variable or a constant.</summary>
    protected IrType TypeOf(Atom a) => a.Var is null ? a.ConstType : types[a.Var];

    /// <summary>The type of a variable.</summary>
    protected IrType TypeOf(string name) => types[name];

    /// <summary>The right side of an assignment, spelled from the op table.</summary>
    protected string Expression(Assign a)
    {
        var x = a.Args;
        var info = OpInfo.Of(a.Op);
        if (info.Arity != x.Count)
        {
            throw new InvalidOperationException($"{a.Op} takes {info.Arity} arguments, not {x.Count}.");
        }

        bool intOperands = x.Count > 0 && TypeOf(x[0]) == IrType.Int;
        var args = x.Select(A).ToArray<object>();
        return string.Format(CultureInfo.InvariantCulture, Spelling(info).For(Function.IsFloat, intOperands), args);
    }

    private void Block(IEnumerable<Stmt> block)
    {
        foreach (var s in block)
        {
            Statement(s);
        }
    }

    private void Statement(Stmt s)
    {
        switch (s)
        {
            case Assign a:
                W.Line($"{Name(a.Target)} = {Expression(a)};");
                break;
            case Store st:
                W.Line($"{Element(st.Array, A(st.Index))} = {A(st.Value)};");
                break;
            case AddTo add:
                W.Line(add.Index is { } index ? $"{Element(add.Target, A(index))} += {A(add.Value)};" : $"{Name(add.Target)} += {A(add.Value)};");
                break;
            case If i:
                Branch(i);
                break;
            case Loop l:
                While(l);
                break;
            default:
                TargetStatement(s);
                break;
        }
    }

    private void Branch(If i)
    {
        if (i.Then.Count == 0 && i.Else.Count == 0)
        {
            return;
        }

        if (i.Then.Count == 0)
        {
            W.Open($"if (!{A(i.Cond)})");
            Block(i.Else);
            W.Close();
            return;
        }

        W.Open($"if ({A(i.Cond)})");
        Block(i.Then);
        W.Close();
        if (i.Else.Count > 0)
        {
            W.Open("else");
            Block(i.Else);
            W.Close();
        }
    }

    private void While(Loop l)
    {
        if (l.Header.Count == 1 && l.Header[0] is Assign test && test.Target == l.Cond.Var && IsComparison(test.Op) && !StmtVars.Mentioned(l.Body).Contains(test.Target))
        {
            // The usual counted loop reads as a while over its condition.
            W.Open($"while ({Expression(test)})");
            Block(l.Body);
            W.Close();
            return;
        }

        W.Open("while (true)");
        Block(l.Header);
        W.Open($"if (!{A(l.Cond)})");
        W.Line("break;");
        W.Close();
        W.Line();
        Block(l.Body);
        W.Close();
    }

    private static bool IsComparison(Op op) => op is Op.Lt or Op.Le or Op.Gt or Op.Ge or Op.Eq or Op.Ne;
}
